{{%AUTOESCAPE context="HTML"}}<p><a href="/missions">All missions</a></p>
<h1>{{TITLE}}</h1>
<p class="meta"><span class="badge status-{{STATUS}}">{{STATUS}}</span> opened {{>OPENED}}{{#CLOSED}} · closed {{>AT}}{{/CLOSED}} · {{EVENTS}} events</p>
{{#SUMMARY}}<p class="card">{{TEXT}}</p>{{/SUMMARY}}
{{#MESSAGE}}<p class="message bad" role="alert">{{TEXT}}</p>{{/MESSAGE}}
<ol class="timeline" data-stream="/missions/{{ID}}/stream" data-last="{{LAST_SEQ}}">
{{#EVENT}}<li class="event family-{{FAMILY}}{{#OWN}} own{{/OWN}}" id="event-{{SEQ}}">
  <div class="line">{{>AT}} <strong>{{TYPE}}</strong></div>
  {{#LINKED}}<p class="summary"><a href="{{LINK}}">{{SUMMARY}}</a></p>{{/LINKED}}{{#UNLINKED}}<p class="summary">{{SUMMARY}}</p>{{/UNLINKED}}
  <div class="meta">from {{SOURCE}}{{#CORR}} · correlation {{CORRELATION_ID}}{{/CORR}}</div>
  <details><summary>Payload</summary><pre>{{PAYLOAD:pre_escape}}</pre></details>
</li>{{/EVENT}}
</ol>
{{#MORE}}<p><a href="/missions/{{ID}}?cursor={{CURSOR}}">Later events</a></p>{{/MORE}}
{{#CLOSE}}<form method="post" action="/missions/{{ID}}/close" class="stack card">
  <input type="hidden" name="csrf" value="{{CSRF}}">
  <h2>Close this mission</h2>
  <label>Outcome
    <select name="status"><option value="resolved">resolved</option><option value="failed">failed</option><option value="rolled_back">rolled back</option></select>
  </label>
  <label>Summary <input type="text" name="summary" maxlength="2000"></label>
  <button type="submit" class="primary">Close mission</button>
</form>{{/CLOSE}}
<script src="/static/timeline.js" defer></script>
