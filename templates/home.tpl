{{%AUTOESCAPE context="HTML"}}<h1>Dashboard</h1>
<section class="card" id="pending-summary">
  {{#WAITING}}<h2><a href="/approvals?status=pending">{{COUNT}} waiting for a decision</a></h2>
  <p class="hint">The oldest first:</p>
  {{>LIST}}
  {{#MORE}}<p><a href="/approvals?status=pending">All waiting requests</a></p>{{/MORE}}{{/WAITING}}
  {{#NONE_WAITING}}<h2>Nothing is waiting for a decision</h2>
  <p><a href="/approvals">Recent decisions</a></p>{{/NONE_WAITING}}
</section>
<section class="card">
  <h2>This instance</h2>
  <p>Gatehouse {{VERSION}} is serving. Freezes and decision reports appear here as they are set up.</p>
  <ul class="links">
    <li><a href="/missions">Missions</a>: timelines of what automation and people did.</li>
    <li><a href="/ledger">Ledger</a>: every decision, hash-chained.</li>
    <li><a href="/readyz">Readiness</a>: whether the database, its schema and the signing key are in order.</li>
    <li><a href="/api/v1/openapi.json">API description</a> (OpenAPI) for automation.</li>
  </ul>
</section>
