{{%AUTOESCAPE context="HTML"}}<h1>Freezes</h1>
<p class="hint">A freeze pins a release's critical artifacts to their SHA-256. The worker re-hashes them under their root; a change, a deletion or an unexpected file is a violation. While a freeze's window is in effect, tier 2 and 3 approvals also need an executive's break-glass vote.</p>
{{#EMPTY}}<p class="card">No freezes yet. An admin creates one with <code>gatehouse freeze create NAME --root ROOT</code> or <code>POST /api/v1/freezes</code>.</p>{{/EMPTY}}
<ul class="freezes">{{#FREEZE}}<li class="freeze-row state-{{STATE}}" id="freeze-{{NAME}}">
  <a href="/freezes/{{NAME}}">
    <span class="state-badge state-{{STATE}}">{{STATE}}</span>
    <span class="freeze-text">
      <strong class="name">{{NAME}}</strong>{{#IN_EFFECT}} <span class="badge window-in_effect">window in effect</span>{{/IN_EFFECT}}
      <span class="meta">{{ARTIFACTS}} artifact{{#ARTIFACTS_PLURAL}}s{{/ARTIFACTS_PLURAL}} · {{#CHECKED}}checked {{>AT}}{{/CHECKED}}{{#NEVER}}never checked{{/NEVER}} · window: {{WINDOW}}{{#STANDING}} · <strong class="standing">{{COUNT}} standing violation{{#PLURAL}}s{{/PLURAL}}</strong>{{/STANDING}}</span>
    </span>
  </a>
</li>{{/FREEZE}}</ul>
{{#MORE}}<p><a href="/freezes?cursor={{CURSOR}}">Older freezes</a></p>{{/MORE}}
