{{%AUTOESCAPE context="HTML"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}} · Gatehouse</title>
<link rel="stylesheet" href="/static/gatehouse.css">
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<script src="/static/time.js" defer></script>
</head>
<body data-now="{{NOW_MS}}">
<header class="site">
  <a class="brand" href="/">Gatehouse</a>
  <nav aria-label="Main">
    <ul>
      {{#NAV}}<li><a href="{{HREF}}"{{#CURRENT}} aria-current="page"{{/CURRENT}}>{{LABEL}}</a></li>{{/NAV}}
    </ul>
  </nav>
  {{#SIGNED_IN}}<div class="who">
    <span title="{{USERNAME}}">{{DISPLAY_NAME}}</span>
    {{#LOGOUT}}<form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="{{CSRF}}"><button type="submit" class="link">Sign out</button></form>{{/LOGOUT}}
  </div>{{/SIGNED_IN}}
</header>
{{#FREEZE_BANNER}}<div class="freeze-banner" role="status"><strong>Freeze in effect:</strong> {{#FREEZE}}<a href="/freezes/{{NAME}}">{{NAME}}</a> (ends {{>ENDS}}){{#FREEZE_separator}}, {{/FREEZE_separator}}{{/FREEZE}}{{#MORE}} and {{COUNT}} more{{/MORE}}. Tier 2 and 3 approvals also need an executive's break-glass vote.</div>{{/FREEZE_BANNER}}
<main id="main">
{{>CONTENT}}
</main>
<footer class="site">
  <span>Gatehouse release governance</span>
  <span class="rid">request {{REQUEST_ID}}</span>
</footer>
</body>
</html>
