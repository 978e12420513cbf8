{{%AUTOESCAPE context="HTML"}}<section class="card">
  <h1>Sign in</h1>
  {{#MESSAGE}}<p class="message bad" role="alert">{{TEXT}}</p>{{/MESSAGE}}
  <form method="post" action="/login" class="stack">
    <input type="hidden" name="next" value="{{NEXT}}">
    <label>Username
      <input type="text" name="username" value="{{USERNAME}}" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
    </label>
    <label>Password
      <input type="password" name="password" autocomplete="current-password" required>
    </label>
    <button type="submit" class="primary">Sign in</button>
  </form>
</section>
