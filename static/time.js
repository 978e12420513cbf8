// Times as people read them, in the browser: every page shows a time as
// <time datetime="RFC 3339" title="5 Dec 2026 14:03:07 UTC" data-relative>
// 12 min ago</time> (cgi-bin/reply.c, page_time()); this script keeps those
// texts true while the page stays open (every minute, and when the tab
// comes back), and words times the live scripts add (timeline.js) the same
// way. The wording is core/timeutil.c's, to the letter: the unit tests of
// both hold the same table. Without JavaScript the server's texts stay as
// they were rendered.
//
// The browser's clock may be off: the page says when the server rendered it
// (<body data-now>), and relative texts are computed on the server's clock.
(function (root) {
  'use strict';
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

  // A duration in its two largest units: "2 d 3 h", "3 h 12 min", "12 min".
  function span(ms) {
    var min = Math.floor(Math.abs(ms) / 60000);
    if (min < 1) return 'under a minute';
    if (min < 60) return min + ' min';
    var h = Math.floor(min / 60);
    if (min < 1440) return min % 60 === 0 ? h + ' h' : h + ' h ' + (min % 60) + ' min';
    var d = Math.floor(min / 1440);
    return h % 24 === 0 ? d + ' d' : d + ' d ' + (h % 24) + ' h';
  }

  // When then was, seen from now (both ms): "just now", "12 min ago", "in 3 h".
  function ago(then, now) {
    var d = now - then;
    if (d > -60000 && d < 60000) return 'just now';
    return d > 0 ? span(d) + ' ago' : 'in ' + span(d);
  }

  function pad(n) { return (n < 10 ? '0' : '') + n; }

  // "22 Nov 2026 10:00:00 UTC" (or without seconds).
  function human(ms, seconds) {
    var t = new Date(ms);
    return t.getUTCDate() + ' ' + MONTHS[t.getUTCMonth()] + ' ' + t.getUTCFullYear() + ' ' +
      pad(t.getUTCHours()) + ':' + pad(t.getUTCMinutes()) + (seconds ? ':' + pad(t.getUTCSeconds()) : '') + ' UTC';
  }

  var api = { span: span, ago: ago, human: human };
  if (typeof module !== 'undefined' && module.exports) { // node's tests
    module.exports = api;
    return;
  }

  var rendered = Number(document.body && document.body.getAttribute('data-now'));
  var offset = isFinite(rendered) && rendered > 0 ? rendered - Date.now() : 0;
  function now() { return Date.now() + offset; }

  // A <time> element for an RFC 3339 time, as the server writes one; null if it is not a time.
  api.element = function (iso) {
    var ms = Date.parse(iso);
    if (isNaN(ms)) return null;
    var el = document.createElement('time');
    el.setAttribute('datetime', new Date(ms).toISOString());
    el.setAttribute('title', human(ms, true));
    el.setAttribute('data-relative', '');
    el.textContent = ago(ms, now());
    return el;
  };

  // Reword every relative time on the page as of now.
  api.refresh = function () {
    var list = document.querySelectorAll('time[data-relative][datetime]');
    var t = now();
    for (var i = 0; i < list.length; i++) {
      var ms = Date.parse(list[i].getAttribute('datetime'));
      if (!isNaN(ms)) {
        var text = ago(ms, t);
        if (list[i].textContent !== text) list[i].textContent = text;
      }
    }
  };

  root.GatehouseTime = api;
  setInterval(api.refresh, 60000);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') api.refresh();
  });
  window.addEventListener('pageshow', function (e) { if (e.persisted) api.refresh(); });
})(this);
