{{%AUTOESCAPE context="HTML"}}<h1>Ledger</h1>
{{#INTACT}}<p class="status ok" role="status">Verified: {{ENTRIES}} entries, chain intact{{#SIGNED}}; newest signed checkpoint at seq {{CHECKPOINT}}{{/SIGNED}} (checked {{>CHECKED}}).</p>{{/INTACT}}
{{#BROKEN}}<p class="status bad" role="alert">The ledger is broken at seq {{SEQ}}: {{PROBLEM}}. Checked {{>CHECKED}}.</p>{{/BROKEN}}
<form method="get" action="/ledger" class="filters">
  <label>Kind <input type="text" name="kind" value="{{KIND}}" placeholder="user.added"></label>
  <label>Subject <input type="text" name="subject" value="{{SUBJECT}}" placeholder="user:alice"></label>
  <button type="submit">Filter</button>
  {{#FILTERED}}<a href="/ledger">Clear</a>{{/FILTERED}}
</form>
{{#EMPTY}}<p class="hint">No entries{{#FILTERED}} match these filters{{/FILTERED}}.</p>{{/EMPTY}}
<ol class="ledger">
{{#ENTRY}}<li class="entry{{#BAD}} bad{{/BAD}}">
  <div class="line"><span class="seq">#{{SEQ}}</span> <strong class="kind">{{KIND}}</strong> <span class="subject">{{#LINKED}}<a href="{{LINK}}">{{SUBJECT}}</a>{{/LINKED}}{{#UNLINKED}}{{SUBJECT}}{{/UNLINKED}}</span></div>
  <div class="meta">{{>AT}} by {{ACTOR}}</div>
  <details><summary>Payload and hashes</summary>
    <pre>{{PAYLOAD}}</pre>
    <p class="hash">hash {{HASH}}<br>prev {{PREV_HASH}}</p>
  </details>
</li>{{/ENTRY}}
</ol>
{{#MORE}}<p><a href="/ledger?before={{BEFORE}}{{#HAS_KIND}}&amp;kind={{KIND_Q}}{{/HAS_KIND}}{{#HAS_SUBJECT}}&amp;subject={{SUBJECT_Q}}{{/HAS_SUBJECT}}">Older entries</a></p>{{/MORE}}
