{{%AUTOESCAPE context="HTML"}}<article class="report" id="report">
<header class="report-head">
  <p class="kicker">Executive decision report · <a class="no-print" href="/deployments/{{ID}}">{{ID}}</a><span class="print-only">{{ID}}</span> · generated {{>GENERATED}}</p>
  <h1>{{NAME}}</h1>
  <dl class="summary">
    <div><dt>Plan</dt><dd>{{PLAN}} r{{PLAN_REVISION}}{{#VERSION}} · {{TEXT}}{{/VERSION}}</dd></div>
    <div><dt>Started</dt><dd>{{>STARTED}}</dd></div>
    <div><dt>Elapsed</dt><dd>{{ELAPSED}}</dd></div>
    <div><dt>Phase</dt><dd>{{#PHASE}}{{ID}} {{TITLE}}{{/PHASE}}{{#NO_PHASE}}not started{{/NO_PHASE}}</dd></div>
    <div><dt>Status</dt><dd><span class="badge status-{{STATUS}}">{{STATUS_TEXT}}</span></dd></div>
  </dl>
</header>
<section class="recommendation rec-{{DECISION}}" aria-labelledby="rec-title">
  <h2 id="rec-title">Recommendation: <strong>{{DECISION}}</strong></h2>
  <ul>{{#REASON}}<li>{{TEXT}}</li>{{/REASON}}</ul>
</section>
<section class="risk" aria-labelledby="risk-title">
  <h2 id="risk-title" class="visually-hidden">Risk assessment</h2>
  <div class="risk-{{TECHNICAL}}"><h3>Technical risk</h3><p class="level">{{TECHNICAL}}</p><p>{{TECHNICAL_WHY}}</p></div>
  <div class="risk-{{USER_IMPACT}}"><h3>User impact</h3><p class="level">{{USER_IMPACT}}</p><p>{{EXPOSURE}} % of users exposed now.</p></div>
  <div class="risk-{{ROLLBACK}}"><h3>Rollback complexity</h3><p class="level">{{ROLLBACK}}</p><p>{{ROLLBACK_WHY}}</p></div>
</section>
<section class="key-metrics" aria-labelledby="km-title">
  <h2 id="km-title">Key metrics</h2>
  {{#NO_METRICS}}<p class="hint">No phase with criteria has begun yet.</p>{{/NO_METRICS}}
  {{#METRICS}}<table class="metrics"><thead><tr><th scope="col">Phase</th><th scope="col">Criterion</th><th scope="col">Target</th><th scope="col">Observed</th><th scope="col">Trend</th></tr></thead><tbody>
  {{#METRIC}}<tr class="{{#PASS}}met{{/PASS}}{{#FAIL}}unmet{{/FAIL}}"><td class="ph">{{PHASE}}</td><td class="crit">{{NAME}}{{#CRITICAL}} <span class="badge critical">critical</span>{{/CRITICAL}}<br><code>{{METRIC}}</code> <span class="hint">{{AGGREGATE}}</span></td><td class="target">{{TARGET}}</td><td class="num obs">{{OBSERVED}} {{#PASS}}<span class="pass" aria-label="met">✓</span>{{/PASS}}{{#FAIL}}<span class="fail" aria-label="not met">✗</span>{{/FAIL}}</td><td class="trend">{{>SPARK}}</td></tr>{{/METRIC}}
  </tbody></table>{{/METRICS}}
</section>
<div class="report-columns">
<section class="gates" aria-labelledby="gates-title">
  <h2 id="gates-title">Gate history</h2>
  {{#NO_GATES}}<p class="hint">No gate evaluated yet.</p>{{/NO_GATES}}
  <ol class="compact">{{#GATE}}<li class="{{#PROCEEDS}}pass{{/PROCEEDS}}{{#BLOCKED}}fail{{/BLOCKED}}">{{>AT}} <strong>{{PHASE}}</strong> {{#PROCEEDS}}proceeds{{/PROCEEDS}}{{#BLOCKED}}blocked by {{BLOCKERS}}{{/BLOCKED}} <span class="hint">({{MET}}/{{TOTAL}}, {{BY}})</span></li>{{/GATE}}</ol>
  {{#EARLIER}}<p class="hint">and {{COUNT}} earlier evaluations (the JSON report lists the last 200).</p>{{/EARLIER}}
</section>
<section class="triggers" aria-labelledby="triggers-title">
  <h2 id="triggers-title">Rollback triggers</h2>
  {{#FIRED}}<p class="fail"><strong>{{NAME}}</strong> fired {{>AT}}: {{ACTION}} (latest {{VALUE}})</p>{{/FIRED}}
  {{#NONE_FIRED}}<p class="pass">None fired.</p>{{/NONE_FIRED}}
  <ul class="compact">{{#TRIGGER}}<li><code>{{METRIC}} {{BOUND}}</code> for {{FOR}} s → {{ACTION}}</li>{{/TRIGGER}}</ul>
</section>
<section class="freeze-state" aria-labelledby="freeze-title">
  <h2 id="freeze-title">Freezes</h2>
  {{#NO_FREEZES}}<p class="hint">No freeze is registered.</p>{{/NO_FREEZES}}
  {{#FREEZES}}<p class="{{#VIOLATED}}fail{{/VIOLATED}}{{#CLEAN}}pass{{/CLEAN}}"><a href="/freezes">{{TOTAL}} freeze{{#PLURAL}}s{{/PLURAL}}</a>: {{INTACT}} intact, {{VIOLATED_COUNT}} violated, {{UNVERIFIED}} unverified{{#OPEN}}; {{COUNT}} open violation{{#PLURAL}}s{{/PLURAL}}{{/OPEN}}.</p>
  {{#IN_EFFECT}}<p class="warn-text">A freeze window is in effect: changes need break-glass.</p>{{/IN_EFFECT}}{{/FREEZES}}
</section>
<section class="linked" aria-labelledby="linked-title">
  <h2 id="linked-title">Approvals</h2>
  {{#NO_APPROVALS}}<p class="hint">None on mission {{MISSION_ID}}.</p>{{/NO_APPROVALS}}
  <ul class="compact">{{#APPROVAL}}<li><a href="/approvals/{{ID}}">#{{ID}}</a> <code>{{ACTION}}</code> {{TARGET}} · tier {{TIER}} · <span class="badge status-{{STATUS}}">{{STATUS}}</span></li>{{/APPROVAL}}</ul>
  {{#MORE_APPROVALS}}<p class="hint">and {{COUNT}} more on <a href="/missions/{{MISSION_ID}}">the mission</a>.</p>{{/MORE_APPROVALS}}
</section>
</div>
<section class="signoff" aria-labelledby="signoff-title">
  <h2 id="signoff-title">Sign-off</h2>
  {{#SIGNED}}<p class="signed signed-{{DECISION}}"><strong>{{DECISION}}</strong> by {{WHO}} ({{BY}}), {{>AT}}{{#OVERRIDE}} — <strong>overriding a {{RECOMMENDATION}} recommendation</strong>{{/OVERRIDE}}{{#COMMENT}}: “{{TEXT}}”{{/COMMENT}}</p>{{/SIGNED}}
  {{#UNSIGNED}}<p class="hint">Not signed off yet.</p><p class="print-only signature">Decision: APPROVE / HOLD / REJECT &nbsp; Name: ______________________ &nbsp; Date: ____________</p>{{/UNSIGNED}}
  {{#MESSAGE}}<p class="message {{KIND}}" role="alert">{{TEXT}}</p>{{/MESSAGE}}
  {{#FORM}}<form method="post" action="/deployments/{{ID}}/signoff" class="signoff-form no-print">
    <input type="hidden" name="csrf" value="{{CSRF}}">
    <fieldset><legend>Your decision</legend>
      <label><input type="radio" name="decision" value="APPROVED" required> Approve</label>
      <label><input type="radio" name="decision" value="HOLD"> Hold</label>
      <label><input type="radio" name="decision" value="REJECTED"> Reject</label>
    </fieldset>
    <label for="signoff-comment">Comment{{#NEEDS_COMMENT}} <strong>(required to approve: the report recommends ROLLBACK)</strong>{{/NEEDS_COMMENT}}</label>
    <textarea id="signoff-comment" name="comment" maxlength="2000" rows="2"></textarea>
    <button type="submit" class="primary">Sign off</button>
  </form>{{/FORM}}
</section>
<p class="no-print report-links"><a href="/deployments/{{ID}}/record.json" download>Download the deployment record (JSON)</a> · <a href="/api/v1/deployments/{{ID}}/report">Full report as JSON</a> · <a href="/deployments/{{ID}}">Phases and charts</a></p>
</article>
