{{%AUTOESCAPE context="HTML"}}<h1>Approvals</h1>
<form method="get" action="/approvals" class="filters" aria-label="Filter">
  <label>Status
    <select name="status">{{#STATUS_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/STATUS_OPTION}}</select>
  </label>
  <label>Tier
    <select name="tier">{{#TIER_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/TIER_OPTION}}</select>
  </label>
  <label>Contract
    <select name="verification">{{#VERIFICATION_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/VERIFICATION_OPTION}}</select>
  </label>
  <label>Mission <input type="text" name="mission_id" value="{{MISSION_ID}}" maxlength="64" placeholder="any"></label>
  <button type="submit">Filter</button>
</form>
<div id="approvals-live" data-live-approvals data-last="{{LAST_SEQ}}">
{{#PENDING}}<section id="pending" data-live aria-labelledby="pending-title">
  <h2 id="pending-title">Waiting for a decision <span class="count">{{COUNT}}</span></h2>
  {{#EMPTY}}<p class="hint">Nothing is waiting for a decision.</p>{{/EMPTY}}
  {{>LIST}}
  {{#MORE}}<p><a href="/approvals?status={{STATUS}}&amp;tier={{TIER}}&amp;mission_id={{MISSION_ID}}&amp;verification={{VERIFICATION}}&amp;pending_cursor={{CURSOR}}">More waiting requests</a></p>{{/MORE}}
</section>{{/PENDING}}
{{#DECIDED}}<section id="decided" data-live aria-labelledby="decided-title">
  <h2 id="decided-title">Recent decisions</h2>
  {{#EMPTY}}<p class="hint">No decisions yet.</p>{{/EMPTY}}
  {{>LIST}}
  {{#MORE}}<p><a href="/approvals?status={{STATUS}}&amp;tier={{TIER}}&amp;mission_id={{MISSION_ID}}&amp;verification={{VERIFICATION}}&amp;decided_cursor={{CURSOR}}">Earlier decisions</a></p>{{/MORE}}
</section>{{/DECIDED}}
</div>
<script src="/static/approvals.js" defer></script>
