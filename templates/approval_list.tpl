{{%AUTOESCAPE context="HTML"}}<ul class="approvals">{{#ROW}}<li class="approval-row status-{{STATUS}}" id="approval-{{ID}}">
  <a href="/approvals/{{ID}}">
    <span class="row-head"><span class="badge tier-{{TIER}}">Tier {{TIER}}</span> <span class="badge status-{{STATUS}}">{{STATUS}}</span>{{#VERIFICATION}} <span class="badge verification-{{STATE}}">contract {{STATE}}</span>{{/VERIFICATION}} <span class="num">#{{ID}}</span></span>
    <strong class="action">{{ACTION_TYPE}}</strong> <span class="target">{{TARGET}}</span>
    <span class="meta">by {{REQUESTED_BY}}{{#WAITING}} · filed {{>FILED}} · <span class="expires{{#SOON}} soon{{/SOON}}">{{EXPIRES}} {{>EXPIRES_AT}}</span>{{/WAITING}}{{#DECIDED}} · {{STATUS}} {{>AT}}{{#BY}} by {{WHO}}{{/BY}}{{/DECIDED}}{{#MISSION}} · mission {{MISSION_ID}}{{/MISSION}}</span>
  </a>
</li>{{/ROW}}</ul>
