{{%AUTOESCAPE context="HTML"}}<h1>Deployments</h1>
<nav class="tabs" aria-label="Status">{{#TAB}}<a href="/deployments{{#FILTER}}?status={{VALUE}}{{/FILTER}}"{{#CURRENT}} aria-current="page"{{/CURRENT}}>{{LABEL}}</a>{{/TAB}}</nav>
{{#NONE}}<section class="card">
  <h2>No deployments{{#FILTERED}} {{STATUS}}{{/FILTERED}}</h2>
  <p>Automation files a deployment on a plan with <code>POST /api/v1/deployments</code>, posts metric samples to it, and Gatehouse evaluates each phase's gate as its time arrives. The plans stored here: {{#PLAN}}<a href="/api/v1/plans/{{NAME}}"><code>{{NAME}}</code></a> {{/PLAN}}{{#NO_PLANS}}none yet (<code>gatehouse plan load conf/plans/t4-72h.json</code>){{/NO_PLANS}}.</p>
</section>{{/NONE}}
<ul class="deployments">
{{#DEPLOYMENT}}<li class="card deployment status-{{STATUS}}">
  <p class="row-head"><span class="badge status-{{STATUS}}">{{STATUS_TEXT}}</span> <span class="hint">{{ID}} · plan {{PLAN}}</span></p>
  <h2><a href="/deployments/{{ID}}">{{NAME}}</a></h2>
  {{>PROGRESS}}
  <p class="phase-line">{{#PHASE}}Phase <strong>{{ID}}</strong> {{TITLE}}{{/PHASE}}{{#NOT_STARTED}}Not started yet{{/NOT_STARTED}} · started {{>STARTED}}</p>
  <p class="gate-line">{{#GATE}}Latest gate <strong>{{PHASE}}</strong>: {{#PROCEEDS}}<span class="pass">proceeds</span>{{/PROCEEDS}}{{#BLOCKED}}<span class="fail">blocked by {{BLOCKERS}}</span>{{/BLOCKED}}, {{>AT}}{{/GATE}}{{#NO_GATE}}<span class="hint">No gate evaluated yet.</span>{{/NO_GATE}}</p>
  <p><a href="/deployments/{{ID}}/report">Decision report</a></p>
</li>{{/DEPLOYMENT}}
</ul>
{{#MORE}}<p><a href="/deployments?cursor={{CURSOR}}{{#FILTER}}&amp;status={{STATUS}}{{/FILTER}}">Older deployments</a></p>{{/MORE}}
