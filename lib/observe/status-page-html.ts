/**
 * The status page: one self-contained HTML document — its style and script inline, nothing fetched but
 * `status.json` beside it, so it works on a network with no way out and under a strict CSP. The script
 * builds every element with `textContent`, never HTML strings, so an instance id cannot inject markup.
 *
 * It polls `status.json` every second, draws each service's instances (state, in flight, latency estimate,
 * share of recent traffic, attempts, failures), its retries and budget, and a chart of each instance's
 * attempts per second over the last minute.
 */
export const statusPageHtml = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>proxyless status</title>
<style>
  :root { color-scheme: light; --ink: #1d2330; --muted: #667085; --line: #e4e7ec; --bg: #f7f8fa; --card: #fff;
          --healthy: #16794c; --half: #b54708; --open: #b42318; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
  header { display: flex; align-items: baseline; gap: 12px; padding: 14px 24px; background: var(--card); border-bottom: 1px solid var(--line); }
  header h1 { margin: 0; font-size: 18px; }
  header .updated { margin-left: auto; color: var(--muted); font-variant-numeric: tabular-nums; }
  .dot { display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: var(--healthy); margin-right: 6px; }
  .dot.lost { background: var(--open); }
  main { padding: 16px 24px; display: grid; gap: 16px; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
  section h2 { margin: 0 0 4px; font-size: 16px; }
  .facts { display: flex; flex-wrap: wrap; gap: 6px 18px; color: var(--muted); margin-bottom: 10px; }
  .facts b { color: var(--ink); font-weight: 600; font-variant-numeric: tabular-nums; }
  .badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
  .badge.live, .badge.healthy { background: var(--healthy); }
  .badge.stale, .badge.waiting, .badge.half-open { background: var(--half); }
  .badge.failing, .badge.open, .badge.ejected, .badge.panic { background: var(--open); }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
  th { color: var(--muted); font-weight: 500; font-size: 12px; }
  td.num, th.num { text-align: right; }
  .bar { display: inline-block; height: 8px; background: #7a8cff; border-radius: 2px; vertical-align: middle; margin-right: 6px; }
  .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
  .chart { margin-top: 12px; }
  .chart svg { width: 100%; height: 150px; display: block; background: #fbfcfd; border: 1px solid var(--line); border-radius: 6px; }
  .chart .caption { color: var(--muted); font-size: 12px; margin-top: 4px; }
  .empty { color: var(--muted); }
</style>
</head>
<body>
<header><h1>proxyless status</h1><span class="updated"><span class="dot" id="live"></span><span id="updated">loading…</span></span></header>
<main id="services"></main>
<script>
(function () {
  'use strict';
  var SAMPLES = 60;
  var COLORS = ['#3b5bdb', '#e8590c', '#2b8a3e', '#c2255c', '#1098ad', '#7048e8', '#a61e4d', '#5c940d', '#f08c00', '#495057'];
  var url = location.pathname.replace(/\\/+$/, '') + '/status.json';
  var memory = {};

  function el(tag, attributes, children) {
    var node = tag === 'svg' || tag === 'polyline' || tag === 'line' || tag === 'text'
      ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
    for (var name in attributes || {}) node.setAttribute(name, attributes[name]);
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }
  function fact(label, value) { return el('span', {}, [label + ' ', el('b', {}, [String(value)])]); }
  function ms(value) { return value === undefined ? '–' : value < 10 ? value.toFixed(2) + ' ms' : Math.round(value) + ' ms'; }
  function percent(value) { return (value * 100).toFixed(1) + ' %'; }

  /** What this page remembers of a service between polls: last counts, rates, a colour per instance. */
  function remember(service) {
    var key = service.service;
    if (!memory[key]) memory[key] = { at: 0, requests: {}, rates: {}, colors: {}, next: 0 };
    return memory[key];
  }

  function update(service, now) {
    var m = remember(service);
    var seconds = m.at === 0 ? 0 : (now - m.at) / 1000;
    var total = 0;
    var rates = {};
    service.instances.forEach(function (instance) {
      if (!(instance.id in m.colors)) m.colors[instance.id] = COLORS[m.next++ % COLORS.length];
      var before = m.requests[instance.id];
      var rate = seconds > 0 && before !== undefined ? Math.max(0, instance.requests - before) / seconds : 0;
      rates[instance.id] = rate;
      total += rate;
      m.requests[instance.id] = instance.requests;
      var history = m.rates[instance.id] || (m.rates[instance.id] = []);
      if (seconds > 0) history.push(rate);
      if (history.length > SAMPLES) history.shift();
    });
    m.at = now;
    return { rates: rates, total: total, memory: m };
  }

  function chart(service, seen) {
    var width = 600, height = 150, pad = 6, max = 1;
    service.instances.forEach(function (instance) {
      (seen.memory.rates[instance.id] || []).forEach(function (rate) { if (rate > max) max = rate; });
    });
    var svg = el('svg', { viewBox: '0 0 ' + width + ' ' + height, preserveAspectRatio: 'none', role: 'img', 'aria-label': 'attempts per second per instance' });
    [0.25, 0.5, 0.75].forEach(function (f) {
      var y = pad + (height - 2 * pad) * f;
      svg.appendChild(el('line', { x1: 0, x2: width, y1: y, y2: y, stroke: '#eef0f3', 'stroke-width': 1 }));
    });
    service.instances.forEach(function (instance) {
      var history = seen.memory.rates[instance.id] || [];
      var points = history.map(function (rate, i) {
        var x = width - (history.length - 1 - i) * (width / (SAMPLES - 1));
        var y = height - pad - (rate / max) * (height - 2 * pad);
        return x.toFixed(1) + ',' + y.toFixed(1);
      }).join(' ');
      svg.appendChild(el('polyline', { 'data-instance': instance.id, points: points, fill: 'none', stroke: seen.memory.colors[instance.id], 'stroke-width': 2, 'stroke-linejoin': 'round' }));
    });
    return el('div', { class: 'chart' }, [svg, el('div', { class: 'caption' }, ['attempts per second per instance, last ' + SAMPLES + ' s (peak ' + max.toFixed(1) + '/s)'])]);
  }

  function section(service, now) {
    var seen = update(service, now);
    var retries = service.retries;
    var reasons = Object.keys(retries.byReason).map(function (r) { return r + ': ' + retries.byReason[r]; }).join(', ');
    var notRetried = Object.keys(retries.notRetried).map(function (r) { return r + ': ' + retries.notRetried[r]; }).join(', ');
    var discovery = service.discovery;
    var title = el('h2', {}, [service.service + ' ']);
    var head = el('div', { class: 'facts' }, [
      el('span', {}, ['discovery ', el('span', { class: 'badge ' + discovery.state, 'data-discovery': discovery.state }, [discovery.state])]),
      el('span', {}, [discovery.source + (discovery.detail ? ' — ' + discovery.detail : '')]),
      fact('picker', service.picker),
    ]);
    if (service.panic) head.appendChild(el('span', { class: 'badge panic' }, ['panic: routing to every instance']));
    var facts = el('div', { class: 'facts' }, [
      fact('instances', service.totals.healthy + ' healthy of ' + service.totals.instances),
      fact('in flight', service.totals.inFlight),
      fact('attempts', service.totals.requests),
      fact('now', seen.total.toFixed(1) + '/s'),
      fact('failures', service.totals.failures),
      el('span', { 'data-retries': retries.total }, ['retries ', el('b', {}, [String(retries.total)]), reasons ? ' (' + reasons + ')' : '']),
      fact('hedges', retries.hedges),
      fact('not retried', notRetried || '0'),
      fact('budget left', retries.budgetLeft === null ? 'unbudgeted' : retries.budgetLeft),
    ]);
    var rows = service.instances.map(function (instance) {
      var share = seen.total > 0 ? seen.rates[instance.id] / seen.total : instance.share;
      return el('tr', { 'data-instance': instance.id }, [
        el('td', {}, [el('span', { class: 'swatch', style: 'background:' + seen.memory.colors[instance.id] }), instance.id]),
        el('td', {}, [instance.host + ':' + instance.port]),
        el('td', { class: 'state' }, [el('span', { class: 'badge ' + instance.state }, [instance.state])]),
        el('td', { class: 'num inflight' }, [String(instance.inFlight)]),
        el('td', { class: 'num latency', 'data-latency-ms': instance.latencyMs === undefined ? '' : String(instance.latencyMs) }, [ms(instance.latencyMs)]),
        el('td', { class: 'num share' }, [el('span', { class: 'bar', style: 'width:' + Math.round(share * 60) + 'px' }), percent(share)]),
        el('td', { class: 'num requests' }, [String(instance.requests)]),
        el('td', { class: 'num failures' }, [String(instance.failures)]),
      ]);
    });
    var header = el('tr', {}, ['instance', 'address', 'state', 'in flight', 'latency est.', 'share', 'attempts', 'failures'].map(function (name, i) {
      return el('th', i >= 3 ? { class: 'num' } : {}, [name]);
    }));
    var table = service.instances.length === 0
      ? el('p', { class: 'empty' }, ['no instances'])
      : el('table', {}, [el('thead', {}, [header]), el('tbody', {}, rows)]);
    return el('section', { 'data-service': service.service }, [title, head, facts, table, chart(service, seen)]);
  }

  function render(status) {
    var now = Date.parse(status.generatedAt) || Date.now();
    var main = document.getElementById('services');
    var sections = status.services.map(function (service) { return section(service, now); });
    main.replaceChildren.apply(main, sections.length ? sections : [el('p', { class: 'empty' }, ['no clients'])]);
    var updated = document.getElementById('updated');
    updated.textContent = 'updated ' + new Date(now).toLocaleTimeString();
    updated.setAttribute('data-generated-at', status.generatedAt);
    document.getElementById('live').className = 'dot';
  }

  function poll() {
    fetch(url, { cache: 'no-store' })
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      })
      .then(render)
      .catch(function (error) {
        document.getElementById('updated').textContent = 'cannot read ' + url + ': ' + error.message;
        document.getElementById('live').className = 'dot lost';
      })
      .then(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
</script>
</body>
</html>
`;
