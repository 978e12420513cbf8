// Live mission timeline: appends events as the server streams them.
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

  source.addEventListener('event', function (message) {
    var ev = JSON.parse(message.data);
    if (document.getElementById('event-' + ev.seq)) return;
    var li = el('li', 'event live family-' + ev.type.split('.')[0]);
    li.id = 'event-' + ev.seq;
    var line = el('div', 'line');
    var time = el('time', null, ev.occurred_at);
    time.setAttribute('datetime', ev.occurred_at);
    line.appendChild(time);
    line.appendChild(document.createTextNode(' '));
    line.appendChild(el('strong', null, ev.type));
    li.appendChild(line);
    li.appendChild(el('div', 'meta', 'from ' + ev.source + (ev.correlation_id ? ' · correlation ' + ev.correlation_id : '')));
    var details = el('details');
    details.appendChild(el('summary', null, 'Payload'));
    details.appendChild(el('pre', null, JSON.stringify(ev.payload, null, 2)));
    li.appendChild(details);
    list.appendChild(li);
  });
})();
