{{%AUTOESCAPE context="HTML"}}<p><a href="/approvals">All approvals</a></p>
<div id="approval-live" data-live-approvals data-approval-id="{{ID}}" data-src="/approvals/{{ID}}" data-last="{{LAST_SEQ}}">
<header class="approval-head" id="head" data-live>
  <p class="row-head"><span class="badge tier-{{TIER}}">Tier {{TIER}}</span> <span class="badge status-{{STATUS}}" id="status">{{STATUS}}</span> <span class="num">#{{ID}}</span></p>
  <h1><span class="action">{{ACTION_TYPE}}</span> <span class="target">{{TARGET}}</span></h1>
</header>
<section id="decision" data-live class="card decision status-{{STATUS}}">
  {{#MESSAGE}}<p class="message {{KIND}}" role="alert">{{TEXT}}</p>{{/MESSAGE}}
  {{#NEEDS}}<p class="needs"><strong>Still needed:</strong> {{TEXT}}</p>{{/NEEDS}}
  {{#BREAK_GLASS_NOTICE}}<p class="break-glass" id="break-glass">{{#IN_EFFECT}}<strong>Break-glass required:</strong> the freeze {{FREEZES}} is in effect, so besides its approvers this request needs an approve vote from an executive.{{#MISSING}} That executive's vote is still missing.{{/MISSING}}{{#GIVEN}} An executive has approved it.{{/GIVEN}}{{/IN_EFFECT}}{{#ENDED}}<strong>Break-glass:</strong> this request was held for a freeze window that is no longer in effect; the requirement is dropped at the next vote or worker run.{{/ENDED}}</p>{{/BREAK_GLASS_NOTICE}}
  {{#OUTCOME}}<p class="outcome"><strong>{{TEXT}}</strong></p>{{/OUTCOME}}
  {{#NOTICE}}<p class="notice">{{TEXT}}</p>{{/NOTICE}}
  {{#ACTIONS}}<form method="post" action="/approvals/{{ID}}/vote" class="vote approve">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <input type="hidden" name="verdict" value="approve">
    <label for="approve-comment">Comment <span class="hint">(optional)</span></label>
    <textarea id="approve-comment" name="comment" maxlength="2000" rows="2"></textarea>
    <button type="submit" class="primary big" id="approve">Approve</button>
  </form>
  <details class="deny">
    <summary class="button danger" id="deny">Deny…</summary>
    <form method="post" action="/approvals/{{ID}}/vote" class="vote deny">
      <input type="hidden" name="csrf" value="{{CSRF}}">
      <input type="hidden" name="verdict" value="deny">
      <p>Denying ends this request for good: nobody can approve it afterwards.</p>
      <label for="deny-comment">Why? <span class="hint">(optional)</span></label>
      <textarea id="deny-comment" name="comment" maxlength="2000" rows="2"></textarea>
      <button type="submit" class="danger big" id="confirm-deny">Confirm deny</button>
    </form>
  </details>{{/ACTIONS}}
  {{#CANCEL}}<form method="post" action="/approvals/{{ID}}/cancel" class="cancel">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <button type="submit" class="secondary">Cancel this request</button>
  </form>{{/CANCEL}}
  {{#EXPIRY}}<p class="expiry">{{#OPEN}}Expires <strong>{{>AT}}</strong>{{/OPEN}}{{#OVERDUE}}Expired {{>AT}}; no more votes are taken.{{/OVERDUE}}</p>{{/EXPIRY}}
</section>
<section id="facts" data-live class="card">
  <dl class="facts">
    <dt>Requested by</dt><dd>{{REQUESTED_BY}}, {{>CREATED}}</dd>
    <dt>Reason</dt><dd>{{#REASON}}{{TEXT}}{{/REASON}}{{#NO_REASON}}<span class="hint">none given</span>{{/NO_REASON}}</dd>
    <dt>Mission</dt><dd>{{#MISSION}}<a href="/missions/{{MISSION_ID}}">{{MISSION_ID}}</a>{{/MISSION}}{{#NO_MISSION}}<span class="hint">none</span>{{/NO_MISSION}}</dd>
    <dt>Needs</dt><dd>{{REQUIRED}}{{#BREAK_GLASS}}, and a break-glass vote from an executive{{/BREAK_GLASS}}</dd>
    {{#DECIDED}}<dt>Decided</dt><dd>{{STATUS}} {{>AT}}{{#BY}} by {{WHO}}{{/BY}}</dd>{{/DECIDED}}
  </dl>
  <h2>Votes</h2>
  <ul class="votes">{{#VOTE}}<li class="vote-{{VERDICT}}"><strong>{{BY}}</strong> <span class="verdict">{{VERDICT_TEXT}}</span> {{>AT}}{{#COMMENT}}<blockquote>{{TEXT:pre_escape}}</blockquote>{{/COMMENT}}</li>{{/VOTE}}{{#NO_VOTES}}<li class="hint">No votes yet.</li>{{/NO_VOTES}}</ul>
  {{#EXECUTION}}<h2>Execution</h2>
  <p><span class="badge {{#OK}}status-approved{{/OK}}{{#FAILED}}status-denied{{/FAILED}}">{{RESULT}}</span> reported {{>AT}}{{#RESOLVED}} · the error was {{TEXT}}{{/RESOLVED}}</p>
  <pre>{{METRICS:pre_escape}}</pre>{{/EXECUTION}}
</section>
{{#CONTRACT}}<section id="contract" data-live class="card contract">
  <h2>Contract <span class="hint">checked within {{WITHIN}} of the execution report</span></h2>
  <p class="verification state-{{STATE}}"><strong>{{STATE_TEXT}}</strong>{{#DECIDED}} {{>AT}}{{/DECIDED}}{{#WINDOW}} · evidence window ends {{>UNTIL}}{{/WINDOW}}</p>
  <table class="metrics"><thead><tr><th scope="col">Criterion</th><th scope="col">Metric</th><th scope="col">Target</th><th scope="col">Observed</th></tr></thead><tbody>
  {{#CRITERION}}<tr class="{{#PASS}}met{{/PASS}}{{#FAIL}}unmet{{/FAIL}}"><td class="crit">{{NAME}}</td><td class="ph"><code>{{METRIC}}</code> <span class="hint">{{AGGREGATE}}</span></td><td class="target">{{TARGET}}</td><td class="num obs">{{OBSERVED}} {{#PASS}}<span class="pass" aria-label="met">✓</span>{{/PASS}}{{#FAIL}}<span class="fail" aria-label="not met">✗</span>{{/FAIL}}</td></tr>{{/CRITERION}}
  </tbody></table>
  <h3>Safe-hold snapshot</h3>
  {{#SNAPSHOT}}<p><code>{{ID}}</code> ({{KIND}}), taken {{>TAKEN}}, named by {{BY}}</p>
  <pre>{{DETAILS:pre_escape}}</pre>{{/SNAPSHOT}}
  {{#NO_SNAPSHOT}}<p class="hint">Not named yet: the executor names the snapshot it can return to before it acts; the execution report is refused until it has.</p>{{/NO_SNAPSHOT}}
  {{#ROLLBACK}}<h3>Rollback</h3>
  <p class="fail">Requested {{>AT}}: return to <code>{{SNAPSHOT_ID}}</code>.</p>
  {{#RESULT}}<p class="{{#OK}}pass{{/OK}}{{#FAILED}}fail{{/FAILED}}">The executor reports <strong>{{STATUS}}</strong>{{#RESTORED}}, restored <code>{{ID}}</code>{{/RESTORED}}, {{>AT}}.</p>{{/RESULT}}
  {{#WAITING}}<p class="hint">Waiting for the executor to report how the rollback went.</p>{{/WAITING}}{{/ROLLBACK}}
</section>{{/CONTRACT}}
</div>
<section class="card">
  <h2>Parameters</h2>
  <pre class="params">{{PARAMS:pre_escape}}</pre>
</section>
<script src="/static/approvals.js" defer></script>
