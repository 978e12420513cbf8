{{%AUTOESCAPE context="HTML"}}<h1>Missions</h1>
<nav class="tabs" aria-label="Status">
  {{#TAB}}<a href="/missions{{#HAS_STATUS}}?status={{STATUS}}{{/HAS_STATUS}}"{{#CURRENT}} aria-current="page"{{/CURRENT}}>{{LABEL}}</a>{{/TAB}}
</nav>
{{#EMPTY}}<p class="hint">No missions here yet. Automation opens one by posting an event with a mission_id.</p>{{/EMPTY}}
<ul class="missions">
{{#MISSION}}<li class="card mission status-{{STATUS}}">
  <a href="/missions/{{ID}}"><strong>{{TITLE}}</strong></a>
  <span class="badge status-{{STATUS}}">{{STATUS}}</span>
  <div class="meta">{{EVENTS}} events · last activity {{>UPDATED}}</div>
</li>{{/MISSION}}
</ul>
{{#MORE}}<p><a href="/missions?cursor={{CURSOR}}{{#HAS_STATUS}}&amp;status={{STATUS}}{{/HAS_STATUS}}">Older missions</a></p>{{/MORE}}
