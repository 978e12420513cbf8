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
  // Relative times in the regions swapped in are the server's; static/time.js keeps them fresh.
})();
