{{%AUTOESCAPE context="HTML"}}<h1>Dashboard</h1>
<section class="card">
  <h2>This instance</h2>
  <p>Gatehouse {{VERSION}} is serving. Approvals, missions, freezes and decision reports appear here as they are set up.</p>
  <ul class="links">
    <li><a href="/readyz">Readiness</a>: whether the database, its schema and the signing key are in order.</li>
    <li><a href="/api/v1/openapi.json">API description</a> (OpenAPI) for automation.</li>
  </ul>
</section>
