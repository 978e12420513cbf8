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
    <dt>Last run</dt><dd>{{#STARTED}}started {{>AT}}{{/STARTED}}{{#NEVER_RAN}}never{{/NEVER_RAN}}{{#LAST_OK}}; ok, ended {{>AT}}: {{SUMMARY}}{{/LAST_OK}}{{#LAST_FAILED}}; <strong class="failed">failed</strong>, ended {{>AT}}: {{ERROR}}{{/LAST_FAILED}}</dd>
    <dt>Last success</dt><dd>{{#SUCCEEDED}}{{>AT}}{{/SUCCEEDED}}{{#NEVER_SUCCEEDED}}never{{/NEVER_SUCCEEDED}}</dd>
    <dt>Next due</dt><dd>{{#DUE}}{{>AT}}{{/DUE}}{{#DUE_NOW}}at the next run{{/DUE_NOW}}</dd>
    {{#LEASE}}<dt>Lease</dt><dd>held by <code>{{HOLDER}}</code></dd>{{/LEASE}}
  </dl>
</li>{{/JOB}}
</ul>
<h2>Sources</h2>
<p class="hint">Each inbound source (the <code>source</code> of its events) and each job is expected to speak at its cadence: configured (<code>source_cadence.NAME</code>), learned from its last 7 days (twice the 99th percentile of its gaps, once it has 20 arrivals), or a job's period (three of them). The worker's <code>watch-sources</code> job records <code>source.silent</code> once and <code>source.resumed</code> when it speaks again.</p>
{{#SOME_SILENT}}<p class="status bad" role="alert">{{COUNT}} {{SOURCES_ARE}} silent beyond {{THEIR}} cadence.</p>{{/SOME_SILENT}}
{{#NO_SOURCES}}<p class="card">Nothing watched yet: the worker's watch-sources job has not run.</p>{{/NO_SOURCES}}
<ul class="jobs sources">
{{#SOURCE}}<li class="job{{#SILENT}} stale{{/SILENT}}" id="source-{{NAME}}">
  <div class="line"><strong class="name">{{NAME}}</strong> <span class="meta">{{KIND}}</span>
    {{#SILENT}}<strong class="state stale">Silent since {{>SINCE}}</strong>{{/SILENT}}{{#SPEAKING}}<span class="state fresh">Speaking</span>{{/SPEAKING}}{{#LEARNING}}<span class="state">Learning its cadence</span>{{/LEARNING}}{{#UNWATCHED}}<span class="state">Not watched (configured 0)</span>{{/UNWATCHED}}</div>
  <dl class="facts">
    <dt>Last heard</dt><dd>{{#SEEN}}{{>AT}}{{/SEEN}}{{#NEVER_SEEN}}never{{/NEVER_SEEN}}</dd>
    {{#EXPECTED}}<dt>Expected</dt><dd>every {{EVERY}} ({{CADENCE}}); silent beyond {{BEYOND}}</dd>{{/EXPECTED}}
  </dl>
</li>{{/SOURCE}}
</ul>
<h2>Ledger alarms</h2>
{{#NO_ALARMS}}<p class="status ok" role="status">No alarm: no gap, no time going backwards, no head left unsigned.</p>{{/NO_ALARMS}}
<ul class="jobs alarms">
{{#ALARM}}<li class="job stale"><strong class="state stale">{{KIND}}</strong> at seq {{SEQ}}, found {{>AT}} <code>{{DETAIL}}</code></li>{{/ALARM}}
</ul>
