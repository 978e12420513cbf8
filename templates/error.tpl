{{%AUTOESCAPE context="HTML"}}<section class="card error">
  <h1>{{STATUS}} {{REASON}}</h1>
  <p>{{MESSAGE}}</p>
  <p class="hint">If you report this, quote request <code>{{REQUEST_ID}}</code>. <a href="/">Back to the dashboard</a>.</p>
</section>
