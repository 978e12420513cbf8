{{%AUTOESCAPE context="HTML"}}<p><a href="/deployments">All deployments</a></p>
<header class="deployment-head">
  <p class="row-head"><span class="badge status-{{STATUS}}">{{STATUS_TEXT}}</span> <span class="hint">{{ID}} · plan {{PLAN}} revision {{PLAN_REVISION}}{{#VERSION}} · {{TEXT}}{{/VERSION}}</span></p>
  <h1>{{NAME}}</h1>
  <p><a class="button-link" href="/deployments/{{ID}}/report">Executive decision report</a> <span class="rec rec-{{RECOMMENDATION}}">Recommendation: <strong>{{RECOMMENDATION}}</strong></span></p>
</header>
<section class="card">
  {{>PROGRESS}}
  <dl class="facts">
    <dt>Started</dt><dd>{{>STARTED}}</dd>
    <dt>Phase now</dt><dd>{{#PHASE}}<strong>{{ID}}</strong> {{TITLE}}, {{EXPOSURE}} % of users exposed{{/PHASE}}{{#NOT_STARTED}}not started yet{{/NOT_STARTED}}</dd>
    <dt>Status</dt><dd>{{STATUS_TEXT}}, {{>STATUS}} by {{STATUS_BY}}{{#STATUS_COMMENT}}: {{TEXT}}{{/STATUS_COMMENT}}</dd>
    <dt>Mission</dt><dd><a href="/missions/{{MISSION_ID}}">{{MISSION_ID}}</a> (its timeline)</dd>
  </dl>
</section>
<h2>Phases</h2>
<ol class="phases">
{{#PHASE_ROW}}<li class="card phase {{STATE}}">
  <h3><span class="phase-id">{{ID}}</span> {{TITLE}} <span class="hint">T+{{AT_HOURS}}h · {{EXPOSURE}} % of users · {{>STARTS}}</span></h3>
  {{#NOT_BEGUN}}<p class="hint">Not begun yet.</p>{{/NOT_BEGUN}}
  {{#DECISION}}<p class="gate {{#PROCEEDS}}pass{{/PROCEEDS}}{{#BLOCKED}}fail{{/BLOCKED}}">{{#PROCEEDS}}Gate proceeds{{/PROCEEDS}}{{#BLOCKED}}Gate blocked by {{BLOCKERS}}{{/BLOCKED}} · {{MET}} of {{TOTAL}} criteria met · evaluated {{>AT}}</p>{{/DECISION}}
  {{#UNDECIDED}}<p class="gate hint">{{#UNDER_WAY}}Under way: the worker judges this gate when the phase ends, or automation asks for it sooner.{{/UNDER_WAY}}{{#MISSED}}The phase has ended but its gate was never judged.{{/MISSED}}</p>{{/UNDECIDED}}
  {{#NO_CRITERIA}}<p class="hint">This phase's gate has no criteria.</p>{{/NO_CRITERIA}}
  {{#CRITERIA}}<table class="metrics"><thead><tr><th scope="col">Criterion</th><th scope="col">Metric</th><th scope="col">Target</th><th scope="col">Now</th><th scope="col">Chart</th></tr></thead><tbody>
  {{#CRITERION}}<tr class="{{#PASS}}met{{/PASS}}{{#FAIL}}unmet{{/FAIL}}"><td class="crit">{{NAME}}{{#CRITICAL}} <span class="badge critical">critical</span>{{/CRITICAL}}</td><td class="ph"><code>{{METRIC}}</code> <span class="hint">{{AGGREGATE}}</span></td><td class="target">{{TARGET}}</td><td class="num obs">{{OBSERVED}} {{#PASS}}<span class="pass" aria-label="passes">✓</span>{{/PASS}}{{#FAIL}}<span class="fail" aria-label="fails">✗</span>{{/FAIL}}</td><td class="trend">{{>SPARK}}</td></tr>{{/CRITERION}}
  </tbody></table>{{/CRITERIA}}
</li>{{/PHASE_ROW}}
</ol>
<section class="card">
  <h2>Rollback triggers</h2>
  <ul class="triggers">{{#TRIGGER}}<li><strong>{{NAME}}</strong>: <code>{{METRIC}} {{BOUND}}</code> for {{FOR}} s → {{ACTION}}{{#FIRED}} — <span class="fail">fired {{>AT}}</span>{{/FIRED}}</li>{{/TRIGGER}}{{#NO_TRIGGERS}}<li class="hint">The plan has none.</li>{{/NO_TRIGGERS}}</ul>
</section>
