// Live approvals: when the server streams a change, fetch this page again
// and swap in its live regions ([data-live] elements with an id), so the
// list and the request page stay current without a reload. Without
// JavaScript (or EventSource) the pages work as they are: reload them.
// Regions come from our own server-rendered, escaped HTML; a region where
// someone is typing a comment is left alone until the request is decided.
(function () {
  'use strict';
  var root = document.querySelector('[data-live-approvals]');
  if (!root || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var only = root.getAttribute('data-approval-id');
  // The page's own address: after a refused vote the address bar shows the
  // form's target, and a confirmation (?done=) is only true until a change.
  var src = root.getAttribute('data-src') || location.href;
  var timer = null;

  function busy(el) {
    var fields = el.querySelectorAll('textarea');
    for (var i = 0; i < fields.length; i++)
      if (fields[i].value !== '' || fields[i] === document.activeElement) return true;
    var open = el.querySelector('details[open]');
    return open !== null;
  }

  function refresh() {
    timer = null;
    fetch(src, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        document.querySelectorAll('[data-live][id]').forEach(function (el) {
          var fresh = doc.getElementById(el.id);
          if (!fresh) return;
          // Keep a half-written vote, unless the request was decided meanwhile.
          if (busy(el) && fresh.querySelector('form.vote')) return;
          el.replaceWith(document.importNode(fresh, true));
        });
        document.dispatchEvent(new CustomEvent('approvals:refreshed'));
      })
      .catch(function () { /* the next change tries again */ });
  }

  var url = '/approvals/stream?last_event_id=' + encodeURIComponent(root.getAttribute('data-last') || '0');
  var source = new EventSource(url);
  source.addEventListener('approval', function (message) {
    if (only) {
      var a = JSON.parse(message.data);
      if (String(a.id) !== only) return;
    }
    if (timer === null) timer = setTimeout(refresh, 100);
  });

  // The expiry countdown on a request page.
  function tick() {
    var el = document.querySelector('.countdown[data-expires]');
    if (!el) return;
    var left = Date.parse(el.getAttribute('data-expires')) - Date.now();
    if (isNaN(left)) return;
    if (left <= 0) { el.textContent = 'now'; return; }
    var min = Math.floor(left / 60000), text;
    if (min < 1) text = 'under a minute';
    else if (min < 60) text = min + ' min';
    else if (min < 1440) text = Math.floor(min / 60) + ' h' + (min % 60 ? ' ' + (min % 60) + ' min' : '');
    else text = Math.floor(min / 1440) + ' d' + (Math.floor(min / 60) % 24 ? ' ' + (Math.floor(min / 60) % 24) + ' h' : '');
    el.textContent = text;
  }
  if (only) setInterval(tick, 30000);
})();
