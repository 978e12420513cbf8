{{%AUTOESCAPE context="HTML"}}<h1>Dashboard</h1>
<div id="dash-live" data-live-approvals data-src="/" data-last="{{LAST_SEQ}}">
<div class="dash-grid">
<section class="card" id="pending-summary" data-live aria-labelledby="pending-title">
  {{#WAITING}}<h2 id="pending-title"><a href="/approvals?status=pending">{{COUNT}} waiting for a decision</a></h2>
  {{#OLDEST}}<p>Oldest: <a href="/approvals/{{ID}}">#{{ID}} {{ACTION_TYPE}} on {{TARGET}}</a>, filed {{>AT}}.</p>{{/OLDEST}}
  <h3>Expiring soonest</h3>
  {{>LIST}}{{/WAITING}}
  {{#NONE_WAITING}}<h2 id="pending-title">Nothing is waiting for a decision</h2>
  <p><a href="/approvals">Recent decisions</a></p>{{/NONE_WAITING}}
</section>
<section class="card" id="freeze-panel" data-live aria-labelledby="freeze-title">
  <h2 id="freeze-title"><a href="/freezes">Freezes</a></h2>
  {{#FREEZES}}{{#VIOLATED}}<p><span class="badge bad">violated</span> Frozen artifacts changed in {{COUNT}} of {{TOTAL}}: {{OPEN}} open violations. <a href="/freezes">See what changed</a>.</p>{{/VIOLATED}}
  {{#UNVERIFIED}}<p><span class="badge warn">unverified</span> {{COUNT}} of {{TOTAL}} not verified yet.</p>{{/UNVERIFIED}}
  {{#INTACT}}<p><span class="badge good">intact</span> Every frozen artifact matches its hash ({{TOTAL}}).</p>{{/INTACT}}
  {{#NO_FREEZES}}<p>No freezes yet. <code>gatehouse freeze create</code> pins artifacts by their hashes.</p>{{/NO_FREEZES}}
  {{#IN_EFFECT}}<p>Window in effect: <a href="/freezes/{{NAME}}">{{NAME}}</a>, ends {{>ENDS}}.</p>{{/IN_EFFECT}}{{/FREEZES}}
</section>
<section class="card" id="deployments-panel" data-live aria-labelledby="deployments-title">
  <h2 id="deployments-title"><a href="/deployments">Deployments in flight</a></h2>
  {{#NO_DEPLOYMENTS}}<p>None in flight. <a href="/deployments">All deployments</a></p>{{/NO_DEPLOYMENTS}}
  <ul class="dash-list">{{#DEPLOYMENT}}<li>
    <p class="row-head"><span class="badge status-{{STATUS}}">{{STATUS_TEXT}}</span> <a href="/deployments/{{ID}}"><strong>{{NAME}}</strong></a></p>
    {{>PROGRESS}}
    <p class="phase-line">{{#PHASE}}Phase <strong>{{ID}}</strong> {{TITLE}}{{/PHASE}}{{#NOT_STARTED}}Not started yet{{/NOT_STARTED}}</p>
    <p class="gate-line">{{#GATE}}Last gate <strong>{{PHASE}}</strong>: {{#PROCEEDS}}<span class="pass">proceeds</span>{{/PROCEEDS}}{{#BLOCKED}}<span class="fail">blocked by {{BLOCKERS}}</span>{{/BLOCKED}}, {{>AT}}{{/GATE}}{{#NO_GATE}}<span class="hint">No gate evaluated yet.</span>{{/NO_GATE}} · <a href="/deployments/{{ID}}/report">Decision report</a></p>
  </li>{{/DEPLOYMENT}}</ul>
</section>
<section class="card" id="missions-panel" data-live aria-labelledby="missions-title">
  <h2 id="missions-title"><a href="/missions?status=active">Active missions</a></h2>
  {{#NO_MISSIONS}}<p>No active missions. <a href="/missions">All missions</a></p>{{/NO_MISSIONS}}
  <ul class="dash-list">{{#MISSION}}<li><a href="/missions/{{ID}}">{{TITLE}}</a> <span class="hint">last activity {{>AT}}</span></li>{{/MISSION}}</ul>
  {{#MORE_MISSIONS}}<p><a href="/missions?status=active">All active missions</a></p>{{/MORE_MISSIONS}}
</section>
<section class="card" id="sources-panel" data-live aria-labelledby="sources-title">
  <h2 id="sources-title"><a href="/status">Sources and the worker</a></h2>
  {{#ALL_SPEAKING}}<p><span class="badge good">speaking</span> No source or worker job is silent beyond its cadence ({{WATCHED}} watched).</p>{{/ALL_SPEAKING}}
  <ul class="dash-list">{{#SILENT}}<li><span class="badge bad">silent</span> {{KIND}} <strong>{{SOURCE}}</strong> <span class="hint">since {{>SINCE}}</span></li>{{/SILENT}}</ul>
</section>
</div>
</div>
<section class="card" aria-labelledby="trends-title">
  <h2 id="trends-title">Trends</h2>
  <p class="hint">{{#FRESH}}From the worker's rollups, as of {{>AT}}.{{/FRESH}}{{#NOT_AGGREGATED}}The worker's aggregate job has not run yet: the charts fill in after its first run.{{/NOT_AGGREGATED}}</p>
  <div class="chart-grid">
    <figure>{{#APPROVALS_CHART}}<figcaption><a href="/approvals">Approvals per day by outcome</a> <span class="hint">(30 days)</span></figcaption>{{>CHART}}{{#EMPTY}}<p class="hint">No request ended in the last 30 days.</p>{{/EMPTY}}{{/APPROVALS_CHART}}</figure>
    <figure>{{#DECISION_CHART}}<figcaption><a href="/approvals?status=approved">Time to decision</a> <span class="hint">(tier 2 and 3, per day)</span></figcaption>{{>CHART}}{{#EMPTY}}<p class="hint">No tier 2 or 3 request was decided in the last 30 days.</p>{{/EMPTY}}{{/DECISION_CHART}}</figure>
    <figure>{{#EVENTS_CHART}}<figcaption><a href="/missions">Events per hour</a> <span class="hint">(48 hours)</span></figcaption>{{>CHART}}{{#EMPTY}}<p class="hint">No events in the last 48 hours.</p>{{/EMPTY}}{{/EVENTS_CHART}}</figure>
    <figure>{{#DELIVERIES_CHART}}<figcaption><a href="/status">Webhook deliveries that succeeded</a> <span class="hint">(per day{{#RATE_LINE}}; {{RATE}} of {{DELIVERIES}} in 30 days{{/RATE_LINE}})</span></figcaption>{{>CHART}}{{#EMPTY}}<p class="hint">No webhook deliveries in the last 30 days.</p>{{/EMPTY}}{{/DELIVERIES_CHART}}</figure>
  </div>
</section>
<script src="/static/approvals.js" defer></script>
