{{%AUTOESCAPE context="HTML"}}<p><a href="/freezes">All freezes</a></p>
<header class="freeze-head">
  <span class="state-badge big state-{{STATE}}" id="state">{{STATE}}</span>
  <h1>{{NAME}}</h1>
  {{#DESCRIPTION}}<p>{{TEXT}}</p>{{/DESCRIPTION}}
</header>
{{#MESSAGE}}<p class="message {{KIND}}" role="alert">{{TEXT}}</p>{{/MESSAGE}}
<section class="card" id="facts">
  <dl class="facts">
    <dt>State</dt><dd>{{STATE_TEXT}}</dd>
    <dt>Last check</dt><dd>{{#LAST_CHECK}}{{>AT}} by {{BY}}, {{SOURCE}}: {{STATE}}{{/LAST_CHECK}}{{#NEVER}}<span class="hint">never checked</span>{{/NEVER}}</dd>
    <dt>Window</dt><dd>{{#WINDOW}}from {{>STARTS}} to {{>ENDS}}: <span class="badge window-{{PHASE}}">{{PHASE_TEXT}}</span>{{#LIFTED}} by {{BY}} {{>AT}}{{/LIFTED}}{{/WINDOW}}{{#NO_WINDOW}}<span class="hint">none</span>{{/NO_WINDOW}}</dd>
    <dt>Root</dt><dd>{{#ROOT}}{{NAME}}{{#CLOSED}} (a closed set: new files are violations){{/CLOSED}}{{/ROOT}}{{#NO_ROOT}}<span class="hint">none: verified by posted reports only</span>{{/NO_ROOT}}</dd>
    {{#INCLUDE}}<dt>Include</dt><dd><code>{{GLOBS}}</code></dd>{{/INCLUDE}}
    <dt>Manifest</dt><dd>{{ARTIFACTS}} artifacts, {{BYTES}} bytes<br><code class="hash">{{DIGEST}}</code></dd>
    <dt>Created</dt><dd>{{>CREATED}} by {{CREATED_BY}}</dd>
  </dl>
  {{#LIFT}}<form method="post" action="/freezes/{{NAME}}/lift" class="lift">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <button type="submit" class="secondary" id="lift">Lift the window now</button>
  </form>{{/LIFT}}
</section>
<section class="card" id="violations" aria-labelledby="violations-title">
  <h2 id="violations-title">Standing violations <span class="count">{{OPEN}}</span></h2>
  {{#NO_VIOLATIONS}}<p class="hint">None: the last check found every artifact as frozen.</p>{{/NO_VIOLATIONS}}
  <ul class="violations">{{#VIOLATION}}<li class="violation kind-{{KIND}}{{#ACKED}} acked{{/ACKED}}" id="violation-{{ID}}">
    <p class="row-head"><span class="badge kind-{{KIND}}">{{KIND}}</span> <strong class="path">{{PATH}}</strong> <span class="num">#{{ID}}</span></p>
    <p class="meta">detected {{>DETECTED}}</p>
    <dl class="hashes">
      <dt>expected</dt><dd><code class="hash">{{EXPECTED}}</code>{{#EXPECTED_SIZE}} ({{SIZE}} bytes){{/EXPECTED_SIZE}}</dd>
      <dt>actual</dt><dd><code class="hash">{{ACTUAL}}</code>{{#ACTUAL_SIZE}} ({{SIZE}} bytes){{/ACTUAL_SIZE}}</dd>
    </dl>
    {{#ACK}}<p class="ack">Acknowledged by <strong>{{BY}}</strong> {{>AT}}: {{COMMENT}}</p>{{/ACK}}
    {{#ACK_FORM}}<form method="post" action="/freezes/{{NAME}}/violations/{{ID}}/ack" class="ack-form">
      <input type="hidden" name="csrf" value="{{CSRF}}">
      <label for="ack-{{ID}}">Acknowledge with a comment</label>
      <textarea id="ack-{{ID}}" name="comment" maxlength="2000" rows="2" required></textarea>
      <button type="submit" class="primary">Acknowledge</button>
    </form>{{/ACK_FORM}}
  </li>{{/VIOLATION}}</ul>
  {{#MORE_VIOLATIONS}}<p class="hint">{{SHOWN}} of {{OPEN}} shown; <code>GET /api/v1/freezes/{{NAME}}/violations</code> lists them all.</p>{{/MORE_VIOLATIONS}}
</section>
<section class="card" id="checks" aria-labelledby="checks-title">
  <h2 id="checks-title">Check history</h2>
  {{#NO_CHECKS}}<p class="hint">No check yet. The worker's verify-freezes job checks freezes with a root; guardians post reports.</p>{{/NO_CHECKS}}
  <ol class="checks">{{#CHECK}}<li class="check state-{{STATE}}"><span class="badge check-{{STATE}}">{{STATE}}</span> {{>AT}} by {{BY}} ({{SOURCE}}) · {{CHECKED}} paths{{#FOUND}} · {{MODIFIED}} modified, {{MISSING}} missing, {{UNEXPECTED}} unexpected{{/FOUND}}{{#OPENED}} · {{COUNT}} new{{/OPENED}}{{#RESTORED}} · {{COUNT}} restored{{/RESTORED}}</li>{{/CHECK}}</ol>
  {{#MORE_CHECKS}}<p><a href="/freezes/{{NAME}}?checks_cursor={{CURSOR}}#checks">Earlier checks</a></p>{{/MORE_CHECKS}}
</section>
<section class="card" id="manifest" aria-labelledby="manifest-title">
  <h2 id="manifest-title">Manifest</h2>
  <table class="manifest">
    <thead><tr><th scope="col">Path</th><th scope="col">Size</th><th scope="col">SHA-256</th></tr></thead>
    <tbody>{{#ARTIFACT}}<tr><td class="path">{{PATH}}</td><td class="num">{{SIZE}}</td><td><code class="hash">{{SHA256}}</code></td></tr>{{/ARTIFACT}}</tbody>
  </table>
  {{#MORE_ARTIFACTS}}<p><a href="/freezes/{{NAME}}?artifacts_cursor={{CURSOR}}#manifest">More of the manifest</a></p>{{/MORE_ARTIFACTS}}
</section>
