{{%AUTOESCAPE context="HTML"}}<h1>Status</h1>
<p class="hint">The worker's jobs (cron runs <code>gatehouse-worker run --once</code> every minute). A job is stale when it has not finished a run successfully within three of its periods.</p>
{{#ALL_FRESH}}<p class="status ok" role="status">Every job has succeeded within three of its periods.</p>{{/ALL_FRESH}}
{{#SOME_STALE}}<p class="status bad" role="alert">{{COUNT}} {{JOBS_ARE}} stale: no successful run within three periods.</p>{{/SOME_STALE}}
<h2>Jobs</h2>
<ul class="jobs">
{{#JOB}}<li class="job{{#STALE}} stale{{/STALE}}" id="job-{{NAME}}">
  <div class="line"><strong class="name">{{NAME}}</strong> <span class="meta">{{EVERY}}</span>
    {{#STALE}}<strong class="state stale">Stale: no success within {{WITHIN}}</strong>{{/STALE}}{{#FRESH}}<span class="state fresh">OK</span>{{/FRESH}}{{#RUNNING}} <span class="badge">running now</span>{{/RUNNING}}</div>
  <dl class="facts">
    <dt>Last run</dt><dd>{{#STARTED}}started <time datetime="{{AT}}" title="{{AT}}">{{AGO}}</time>{{/STARTED}}{{#NEVER_RAN}}never{{/NEVER_RAN}}{{#LAST_OK}}; ok, ended <time datetime="{{AT}}" title="{{AT}}">{{AGO}}</time>: {{SUMMARY}}{{/LAST_OK}}{{#LAST_FAILED}}; <strong class="failed">failed</strong>, ended <time datetime="{{AT}}" title="{{AT}}">{{AGO}}</time>: {{ERROR}}{{/LAST_FAILED}}</dd>
    <dt>Last success</dt><dd>{{#SUCCEEDED}}<time datetime="{{AT}}" title="{{AT}}">{{AGO}}</time>{{/SUCCEEDED}}{{#NEVER_SUCCEEDED}}never{{/NEVER_SUCCEEDED}}</dd>
    <dt>Next due</dt><dd>{{#DUE}}<time datetime="{{AT}}" title="{{AT}}">{{AGO}}</time>{{/DUE}}{{#DUE_NOW}}at the next run{{/DUE_NOW}}</dd>
    {{#LEASE}}<dt>Lease</dt><dd>held by <code>{{HOLDER}}</code></dd>{{/LEASE}}
  </dl>
</li>{{/JOB}}
</ul>
