// Live mission timeline: appends events as the server streams them, as the
// server renders them (templates/mission.tpl): the time in words
// (static/time.js), the summary linking to the page it is about.
// Without JavaScript (or EventSource) the page works as it is: reload it.
// Everything is inserted as text, never as HTML.
(function () {
  'use strict';
  var list = document.querySelector('ol.timeline[data-stream]');
  if (!list || !window.EventSource) return;
  var url = list.getAttribute('data-stream') + '?last_event_id=' + encodeURIComponent(list.getAttribute('data-last') || '0');
  var source = new EventSource(url);

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // A summary links only to a page of this Gatehouse (a path), never elsewhere.
  function local(link) {
    return typeof link === 'string' && link.charAt(0) === '/' && link.charAt(1) !== '/' && link.charAt(1) !== '\\';
  }

  source.addEventListener('event', function (message) {
    var ev = JSON.parse(message.data);
    if (document.getElementById('event-' + ev.seq)) return;
    var li = el('li', 'event live family-' + ev.type.split('.')[0] + (ev.source === 'gatehouse' ? ' own' : ''));
    li.id = 'event-' + ev.seq;
    var line = el('div', 'line');
    var time = window.GatehouseTime ? window.GatehouseTime.element(ev.occurred_at) : null;
    line.appendChild(time || el('span', null, ev.occurred_at));
    line.appendChild(document.createTextNode(' '));
    line.appendChild(el('strong', null, ev.type));
    li.appendChild(line);
    if (typeof ev.summary === 'string' && ev.summary !== '') {
      var p = el('p', 'summary');
      if (local(ev.link)) {
        var a = el('a', null, ev.summary);
        a.setAttribute('href', ev.link);
        p.appendChild(a);
      } else {
        p.textContent = ev.summary;
      }
      li.appendChild(p);
    }
    li.appendChild(el('div', 'meta', 'from ' + ev.source + (ev.correlation_id ? ' · correlation ' + ev.correlation_id : '')));
    var details = el('details');
    details.appendChild(el('summary', null, 'Payload'));
    details.appendChild(el('pre', null, JSON.stringify(ev.payload, null, 2)));
    li.appendChild(details);
    list.appendChild(li);
  });
})();
