// Errand dashboard: reads the JSON API next to this page and draws it. Every value goes in as text (textContent or
// text nodes), never as HTML. State-changing calls are POSTs with the X-Errand-Dashboard header.
(function () {
  'use strict';

  const STATUSES = ['queued', 'scheduled', 'active', 'aborting', 'complete', 'failed', 'aborted'];
  const FINISHED = ['complete', 'failed', 'aborted'];
  const SERIES = ['complete', 'failed', 'retried', 'aborted'];
  const PAGE = 50;
  const LIVE_MS = 5 * 60 * 1000;
  const charts = window.ErrandCharts;
  let config = null;
  let timer = null;
  let view = null;
  // Live rates, sampled from the workers' counters at each refresh of the overview; kept across pages.
  const live = { previous: null, points: [] };
  // The per-hour history of every queue, read again at most once a minute: an hour's bar moves slowly.
  const HOURLY_MS = 60 * 1000;
  const hourly = { at: 0, names: '', histories: [] };
  // The queue page's selection: keys picked one by one, or every job matching the page's filter.
  let selection = { scope: '', keys: new Set(), all: false };

  // h('a', {href: '#/'}, 'text', child): builds an element; strings become text nodes.
  function h(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else if (name === 'className') node.className = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  async function api(path) {
    const response = await fetch('api/' + path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    const body = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  async function post(path, body) {
    const headers = { 'X-Errand-Dashboard': '1', Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch('api/' + path, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const answer = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) throw new Error(answer.error || response.statusText);
    return answer;
  }

  function flash(message, isError) {
    const box = document.getElementById('flash');
    box.textContent = message;
    box.className = isError ? 'error' : '';
    box.hidden = false;
  }

  const enc = encodeURIComponent;
  const fmtNum = (n) => Number(n).toLocaleString();
  const exact = (ms) => new Date(ms).toLocaleString();
  const clock = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

  function fmtDuration(ms) {
    if (ms < 1000) return Math.round(ms) + ' ms';
    const sec = ms / 1000;
    if (sec < 60) return sec.toFixed(sec < 10 ? 2 : 1) + ' s';
    const min = Math.floor(sec / 60);
    if (min < 60) return min + ' min ' + Math.round(sec % 60) + ' s';
    const hours = Math.floor(min / 60);
    if (hours < 48) return hours + ' h ' + (min % 60) + ' min';
    return Math.floor(hours / 24) + ' d ' + (hours % 24) + ' h';
  }

  // "2 min ago" / "in 5 min", the exact local time on hover.
  function relative(ms) {
    const diff = ms - Date.now();
    const sec = Math.round(Math.abs(diff) / 1000);
    let text;
    if (sec < 5) text = diff <= 0 ? 'just now' : 'in a moment';
    else {
      const amount = sec < 60 ? sec + ' s' : sec < 3600 ? Math.round(sec / 60) + ' min' : sec < 172800 ? Math.round(sec / 3600) + ' h' : Math.round(sec / 86400) + ' d';
      text = diff <= 0 ? amount + ' ago' : 'in ' + amount;
    }
    return text;
  }

  const when = (ms) => (ms ? h('time', { datetime: new Date(ms).toISOString(), title: exact(ms) }, relative(ms)) : '–');
  const pausedBadge = () => h('span', { className: 'badge paused', 'data-state': 'paused', title: 'Paused: workers take none of its jobs until it is resumed' }, 'paused');
  const badge = (status) => h('span', { className: 'badge ' + status, 'data-status': status }, status);
  const json = (value) => JSON.stringify(value === undefined ? null : value, null, 2);
  const shortKey = (key) => (key.length > 18 ? key.slice(0, 8) + '…' + key.slice(-6) : key);

  async function copy(text) {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = h('textarea', { className: 'offscreen' }, text);
      document.body.appendChild(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    flash('Copied ' + text);
  }

  const copyButton = (key) => h('button', { type: 'button', className: 'copy', title: 'Copy the key', 'aria-label': 'Copy key ' + key, 'data-focus': 'copy:' + key, onclick: () => copy(key) }, charts.copyIcon());

  // ---- overview ----------------------------------------------------------------------------------------------

  async function overview(main) {
    const [queues, workers] = await Promise.all([api('queues'), api('workers')]);
    // Today is since midnight UTC: the hourly buckets are UTC hours, so a local midnight between two of them (a
    // time zone of a half hour) could not be told apart. Today's hours are read at every refresh (24 at most), the
    // week's at most once a minute, and today's replace theirs.
    const midnight = new Date(); midnight.setUTCHours(0, 0, 0, 0);
    const hoursToday = Math.floor((Date.now() - midnight.getTime()) / 3600000) + 1;
    const [histories, todays, week] = await Promise.all([
      Promise.all(queues.map((q) => api('queues/' + enc(q.name) + '/history?minutes=60'))),
      Promise.all(queues.map((q) => api('queues/' + enc(q.name) + '/history/hours?hours=' + hoursToday))),
      hourlyHistories(queues)]);
    sampleLive(queues, histories);
    const hours = week.map((hist, i) => {
      const fresh = new Map(todays[i].map((p) => [p.minute, p]));
      return hist.map((p) => fresh.get(p.minute) || p);
    });
    const total = (k) => queues.reduce((sum, q) => sum + q[k], 0);
    const today = (k) => todays.reduce((sum, hist) => sum + hist.filter((p) => Date.parse(p.minute) >= midnight.getTime()).reduce((s, p) => s + p[k], 0), 0);
    const slots = workers.reduce((sum, w) => sum + (Number(w.metadata && w.metadata.concurrency) || 0), 0);
    const rate = live.points.length ? live.points[live.points.length - 1].processed : null;
    const tile = (id, label, value, hint, href) => h(href ? 'a' : 'div', { className: 'tile', id: 'tile-' + id, href, title: hint },
      h('span', { className: 'tile-value' }, value), h('span', { className: 'tile-label' }, label));
    const tiles = h('div', { className: 'tiles', id: 'tiles' },
      tile('processed', 'processed today', fmtNum(today('complete') + today('failed')), 'Jobs that completed or failed since midnight UTC (' + exact(midnight.getTime()) + ' here)'),
      tile('failed', 'failed today', fmtNum(today('failed')), 'Jobs that failed since midnight UTC'),
      tile('retried', 'retried today', fmtNum(today('retried')), 'Failed attempts whose job was queued again (by its worker or the sweeper) since midnight UTC'),
      tile('retrying', 'retrying', fmtNum(total('retrying')), 'Unfinished jobs that were queued again after a failed or swept attempt: waiting for their retry or running again'),
      tile('queued', 'enqueued', fmtNum(total('queued')), 'Jobs ready to run now'),
      tile('scheduled', 'scheduled', fmtNum(total('scheduled')), 'Jobs waiting for their time'),
      tile('running', 'running / slots', fmtNum(total('active')) + ' / ' + fmtNum(slots), 'Running jobs, and the slots of every live worker (their concurrency)'),
      tile('workers', 'workers', fmtNum(workers.length), 'Live workers', '#/workers'),
      tile('rate', 'jobs/s now', rate === null ? '…' : rate.toFixed(rate < 10 ? 1 : 0), 'Jobs finished per second between the last two refreshes (from the per-minute history)'),
      tile('paused', 'queues paused', fmtNum(queues.filter((q) => q.paused).length) + ' / ' + fmtNum(queues.length), 'Paused queues: their workers take no jobs until resumed (on each queue\'s page)'));

    const sum = (p) => SERIES.reduce((acc, k) => acc + p[k], 0);
    const minutes = histories.length ? histories[0].map((p, i) => {
      const point = { t: Date.parse(p.minute) };
      for (const k of SERIES) point[k] = histories.reduce((acc, hist) => acc + (hist[i] ? hist[i][k] : 0), 0);
      return point;
    }) : [];
    const liveCard = h('div', { className: 'card', id: 'live' },
      h('h2', null, 'Live: jobs per second, up to the last 5 minutes'),
      live.points.length >= 2
        ? charts.lineChart(live.points, {
          series: ['processed', 'failed'], label: 'Jobs per second, one point per refresh', unit: '/s', id: 'live-chart',
          xLabel: (t) => exact(t), span: liveSpan(),
        })
        : h('p', { className: 'muted chart-wait' }, 'Collecting: a point every ' + (config.poll_milliseconds / 1000) + ' s while this page is open.'),
      legend({ processed: 'processed', failed: 'failed' }));
    const historyCard = h('div', { className: 'card', id: 'history' },
      h('h2', null, 'History: per minute, last hour'),
      charts.lineChart(minutes, { series: SERIES, label: 'Jobs per minute over the last hour', xLabel: (t, long) => (long ? exact(t) : clock(t)), xEvery: 10, id: 'history-chart', bars: true }),
      legend(Object.fromEntries(SERIES.map((k) => [k, k + ' ' + fmtNum(minutes.reduce((acc, p) => acc + p[k], 0))]))),
      h('p', { className: 'muted note' }, 'Per-minute history is kept for an hour, per-hour history for 7 days.'));
    const days = hours.length ? hours[0].map((p, i) => {
      const point = { t: Date.parse(p.minute) };
      for (const k of SERIES) point[k] = hours.reduce((acc, hist) => acc + (hist[i] ? hist[i][k] : 0), 0);
      return point;
    }) : [];
    const weekCard = h('div', { className: 'card', id: 'history-week' },
      h('h2', null, 'History: per hour, last 7 days'),
      charts.lineChart(days, { series: SERIES, label: 'Jobs per hour over the last 7 days', xLabel: (t, long) => (long ? hourRange(t) : day(t)), xAt: (p) => new Date(p.t).getHours() === 0, id: 'week-chart', bars: true,
        // Drawn at about the width it is shown at (the card's padding off the page's), so that its text keeps its size.
        width: Math.round(Math.min(1400, Math.max(480, main.clientWidth - 48))), height: 180 }),
      legend(Object.fromEntries(SERIES.map((k) => [k, k + ' ' + fmtNum(days.reduce((acc, p) => acc + p[k], 0))]))));

    const cols = ['queued', 'active', 'scheduled', 'retrying', 'complete', 'failed', 'aborted'];
    const table = h('div', { className: 'scroll' }, h('table', { id: 'queues' },
      h('thead', null, h('tr', null, h('th', null, 'Queue'), h('th', { className: 'spark' }, 'last hour'),
        cols.map((c) => h('th', { className: 'num' }, c)), h('th', { className: 'num' }, 'workers'))),
      h('tbody', null, queues.map((q, i) => h('tr', { 'data-queue': q.name },
        h('td', null, h('a', { href: '#/queues/' + enc(q.name) }, q.name), q.paused ? [' ', pausedBadge()] : null),
        h('td', { className: 'spark' }, charts.sparkline(histories[i].map(sum), q.name + ': ' + fmtNum(histories[i].reduce((a, p) => a + sum(p), 0)) + ' jobs ended in the last hour')),
        // Retrying jobs are in no list of their own (they are queued, scheduled or active): a number, not a link.
        cols.map((c) => h('td', { className: 'num count-' + c }, c === 'retrying' ? fmtNum(q[c]) : h('a', { href: '#/queues/' + enc(q.name) + '/' + c }, fmtNum(q[c])))),
        h('td', { className: 'num count-workers' }, h('a', { href: '#/workers' }, fmtNum(q.workers))))))));
    main.replaceChildren(h('h1', null, 'Overview'), tiles, h('div', { className: 'charts' }, liveCard, historyCard), weekCard, h('h2', null, 'Queues'), table);
  }

  async function hourlyHistories(queues) {
    // A new hour, or other queues, read it again at once.
    const names = queues.map((q) => q.name).join('\u0000') + '\u0000' + Math.floor(Date.now() / 3600000);
    if (hourly.names !== names || Date.now() - hourly.at > HOURLY_MS) {
      hourly.histories = await Promise.all(queues.map((q) => api('queues/' + enc(q.name) + '/history/hours?hours=168')));
      hourly.at = Date.now();
      hourly.names = names;
    }
    return hourly.histories;
  }

  const day = (ms) => new Date(ms).toLocaleDateString([], { weekday: 'short', day: 'numeric' });
  const hourRange = (ms) => new Date(ms).toLocaleString([], { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' })
    + '–' + new Date(ms + 3600000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

  // Since the first point, in whole minutes (one at least, five at most), labelled back from now.
  function liveSpan() {
    const to = live.points[live.points.length - 1].t;
    const minutes = Math.min(5, Math.max(1, Math.ceil((to - live.points[0].t) / 60000)));
    const step = minutes === 1 ? 15000 : 60000;
    const ticks = [];
    for (let back = minutes * 60000; back >= 0; back -= step) {
      ticks.push([to - back, back === 0 ? 'now' : '−' + (step === 60000 ? back / 60000 + ' min' : back / 1000 + ' s')]);
    }
    return { from: to - minutes * 60000, to, ticks };
  }

  function legend(labels) {
    return h('div', { className: 'legend' }, Object.entries(labels).map(([k, text]) => h('span', { className: k }, text)));
  }

  // The per-minute history only grows within a minute: the difference between two refreshes is what ended between
  // them, on every worker of every queue, as soon as the backend recorded it.
  function sampleLive(queues, histories) {
    const now = Date.now();
    const counters = new Map();
    histories.forEach((hist, i) => { for (const p of hist) counters.set(queues[i].name + '\u0000' + p.minute, p); });
    const previous = live.previous;
    live.previous = { t: now, counters };
    if (!previous || now - previous.t < 200) return;
    let processed = 0, failed = 0;
    for (const [key, p] of counters) {
      const before = previous.counters.get(key);
      if (!before && Date.parse(p.minute) < previous.t - 60000) continue;
      processed += Math.max(0, p.complete + p.failed + p.aborted - (before ? before.complete + before.failed + before.aborted : 0));
      failed += Math.max(0, p.failed - (before ? before.failed : 0));
    }
    const seconds = (now - previous.t) / 1000;
    live.points.push({ t: now, processed: processed / seconds, failed: failed / seconds });
    while (live.points.length && live.points[0].t < now - LIVE_MS) live.points.shift();
  }

  // ---- queue page --------------------------------------------------------------------------------------------

  async function queuePage(main, name, status, params) {
    const offset = Math.max(0, parseInt(params.get('offset') || '0', 10) || 0);
    const fn = params.get('function') || '';
    const prefix = params.get('prefix') || '';
    const filter = (fn ? '&function=' + enc(fn) : '') + (prefix ? '&prefix=' + enc(prefix) : '');
    const [summary, list, workers, history, limits] = await Promise.all([
      api('queues').then((all) => all.find((q) => q.name === name)),
      api('queues/' + enc(name) + '/jobs?status=' + enc(status) + '&offset=' + offset + '&limit=' + PAGE + filter),
      api('workers'),
      api('queues/' + enc(name) + '/history?minutes=60'),
      // A dashboard older than the limits API, or a backend that fails to read them, shows the page without them.
      api('queues/' + enc(name) + '/limits').then((l) => l.limits).catch(() => []),
    ]);
    const scope = [name, status, fn, prefix].join('\u0000');
    if (selection.scope !== scope) selection = { scope, keys: new Set(), all: false };

    const base = '#/queues/' + enc(name) + '/';
    const link = (st, changes) => {
      const next = new URLSearchParams({ function: fn, prefix, ...changes });
      for (const [k, v] of [...next]) if (!v || (k === 'offset' && v === '0')) next.delete(k);
      const q = next.toString();
      return base + st + (q ? '?' + q : '');
    };
    const tabs = h('nav', { className: 'tabs', 'aria-label': 'Status' }, STATUSES.map((st) => h('a', {
      href: link(st, { offset: '' }), className: st === status ? 'current' : null, 'data-tab': st, 'aria-current': st === status ? 'page' : null,
    }, st + (summary && summary[st] !== undefined ? ' (' + fmtNum(summary[st]) + ')' : ''))));

    const functions = new Set(workers.filter((w) => w.queue === name).flatMap((w) => (w.metadata && Array.isArray(w.metadata.functions) ? w.metadata.functions : [])));
    for (const j of list.jobs) functions.add(j.function);
    if (fn) functions.add(fn);
    const filters = h('form', { className: 'filters', id: 'filters', onsubmit: (e) => {
      e.preventDefault();
      const f = e.target.elements;
      location.hash = link(status, { function: f.function.value, prefix: f.prefix.value.trim(), offset: '' });
    } },
      h('label', null, 'Function ', h('select', { name: 'function', id: 'filter-function', 'data-focus': 'filter-function', onchange: (e) => e.target.form.requestSubmit() },
        h('option', { value: '' }, 'any'), [...functions].sort().map((f) => h('option', { value: f, selected: f === fn }, f)))),
      h('label', null, 'Key ', h('input', { type: 'search', name: 'prefix', id: 'filter-prefix', 'data-focus': 'filter-prefix', value: prefix, placeholder: 'key or key prefix  ( / )', 'aria-label': 'Key or key prefix' })),
      h('button', { type: 'submit' }, 'Filter'),
      fn || prefix ? h('a', { href: link(status, { function: '', prefix: '', offset: '' }), id: 'clear-filter' }, 'clear') : null);
    const toolbar = h('div', { className: 'toolbar' }, filters);
    if (FINISHED.includes(status)) {
      toolbar.appendChild(h('button', {
        id: 'scan', onclick: (e) => scanQueue(e.target, name),
        title: 'Find jobs finished by Python SAQ, which Errand has not indexed: reads every job of the queue once (slow on a large queue).',
      }, 'Find jobs not indexed'));
    }
    if (status === 'failed' && !config.read_only) {
      toolbar.appendChild(h('button', { className: 'danger', id: 'retry-failed', onclick: (e) => bulkRetry(e.target, name) }, 'Retry all failed'));
    }

    const selectable = !config.read_only;
    const action = FINISHED.includes(status) ? 'retry' : 'abort';
    const rows = list.jobs.map((j) => h('tr', { 'data-key': j.key, className: selection.all || selection.keys.has(j.key) ? 'selected' : null },
      selectable ? h('td', { className: 'pick' }, h('input', {
        type: 'checkbox', 'aria-label': 'Select ' + j.key, 'data-focus': 'pick:' + j.key, checked: selection.all || selection.keys.has(j.key), disabled: selection.all,
        onchange: (e) => { if (e.target.checked) selection.keys.add(j.key); else selection.keys.delete(j.key); drawSelection(); e.target.closest('tr').classList.toggle('selected', e.target.checked); },
      })) : null,
      h('td', { className: 'key' }, h('a', { href: base + 'job/' + enc(j.key), title: j.key, 'data-focus': 'key:' + j.key }, shortKey(j.key)), ' ', copyButton(j.key)),
      h('td', { className: 'fn' }, j.function), h('td', null, badge(j.status)),
      h('td', { className: 'num' }, attemptsText(j)),
      h('td', { className: 'when' }, when(status === 'scheduled' ? j.scheduled * 1000 : FINISHED.includes(status) ? j.completed : status === 'active' ? j.started : j.queued)),
      h('td', { className: 'muted error-line', title: j.error || null }, j.error || '')));
    const timeHeader = status === 'scheduled' ? 'scheduled for' : FINISHED.includes(status) ? 'finished' : status === 'active' ? 'started' : 'queued';
    const allBox = selectable ? h('input', {
      type: 'checkbox', id: 'pick-page', 'aria-label': 'Select this page', 'data-focus': 'pick-page', disabled: selection.all || !list.jobs.length,
      checked: list.jobs.length > 0 && (selection.all || list.jobs.every((j) => selection.keys.has(j.key))),
      onchange: (e) => { for (const j of list.jobs) { if (e.target.checked) selection.keys.add(j.key); else selection.keys.delete(j.key); } refresh(); },
    }) : null;
    const headers = ['key', 'function', 'status', 'attempts', timeHeader, 'error'];
    const table = h('div', { className: 'scroll' }, h('table', { id: 'jobs' },
      h('thead', null, h('tr', null, selectable ? h('th', { className: 'pick' }, allBox) : null, headers.map((c) => h('th', null, c)))),
      h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: headers.length + 1, className: 'muted' }, 'No ' + status + ' jobs' + (fn || prefix ? ' match the filter.' : '.'),
        // A key of a job in another status: one read of that key, on the job's page.
        prefix ? [' ', h('a', { href: base + 'job/' + enc(prefix), id: 'open-key' }, 'Open the job with key "' + prefix + '"')] : null)))));

    const bar = h('div', { className: 'selection', id: 'selection', role: 'region', 'aria-label': 'Selection' });
    function drawSelection() {
      const count = selection.all ? list.total : selection.keys.size;
      const verb = action === 'retry' ? 'Retry' : 'Abort';
      bar.hidden = !selectable || (count === 0 && list.total === 0);
      // replaceChildren would write a null as the text "null": only the parts that apply.
      bar.replaceChildren(...[
        h('span', { id: 'selected-count' }, selection.all ? 'All ' + fmtNum(list.total) + (list.partial ? '+' : '') + ' matching jobs selected' : fmtNum(count) + ' selected'),
        !selection.all && list.total > 0 ? h('button', { type: 'button', id: 'select-all', onclick: () => { selection.all = true; refresh(); } },
          'Select all ' + fmtNum(list.total) + (list.partial ? '+' : '') + ' ' + status + (fn || prefix ? ' matching' : '')) : null,
        count > 0 ? h('button', { type: 'button', id: 'select-none', onclick: () => { selection = { scope, keys: new Set(), all: false }; refresh(); } }, 'Clear selection') : null,
        count > 0 ? h('button', { type: 'button', className: action === 'retry' ? 'primary' : 'danger', id: 'bulk-' + action, onclick: (e) => bulk(e.target, name, status, fn, prefix, action, count) },
          verb + ' ' + fmtNum(count)) : null,
        count > 0 && action === 'retry' ? h('button', { type: 'button', className: 'danger', id: 'bulk-delete', onclick: (e) => bulk(e.target, name, status, fn, prefix, 'delete', count) },
          'Delete ' + fmtNum(count)) : null].filter(Boolean));
    }
    drawSelection();

    const last = Math.min(list.total, offset + list.jobs.length);
    const pager = h('div', { className: 'pager' },
      h('button', { disabled: offset === 0, onclick: () => { location.hash = link(status, { offset: String(Math.max(0, offset - PAGE)) }); } }, '← Newer'),
      h('span', { id: 'range' }, list.total === 0 ? '0' : (offset + 1) + '–' + last + ' of ' + fmtNum(list.total)),
      h('button', { disabled: offset + PAGE >= list.total, onclick: () => { location.hash = link(status, { offset: String(offset + PAGE) }); } }, 'Older →'),
      list.partial ? h('span', { className: 'muted', id: 'partial' }, 'The filter read the newest ' + fmtNum(list.window) + ' ' + status + ' jobs only.') : null);
    const paused = !!(summary && summary.paused);
    const title = h('h1', null, 'Queue ', name, ' ', h('span', { id: 'queue-state' }, paused ? pausedBadge() : null));
    const pauseButton = config.read_only ? null : h('button', {
      id: 'pause-queue', className: paused ? null : 'danger', 'data-focus': 'pause-queue', onclick: (e) => setPaused(e.target, name, !paused),
      title: paused ? 'Workers take this queue\'s jobs again at once.' : 'Workers stop taking this queue\'s jobs within a second; running jobs finish, enqueues are kept.',
    }, paused ? 'Resume queue' : 'Pause queue');
    // replaceChildren would write a null (no limits) as the text "null".
    main.replaceChildren(...[h('div', { className: 'queue-head' }, title, pauseButton), queueTiles(name, summary, workers, history), limitsCard(limits), tabs, toolbar, bar, table, pager].filter(Boolean));
  }

  // The queue's limits (issue 17), when it has some: running against each limit, and the jobs held back.
  function limitsCard(limits) {
    if (!limits.length) return null;
    const rows = limits.map((l) => h('tr', { 'data-limit': l.of + ':' + l.name, className: l.concurrency !== null && l.running >= l.concurrency ? 'full' : null },
      h('td', null, l.of),
      h('td', { className: 'fn' }, l.name),
      h('td', { className: 'num running' }, fmtNum(l.running) + ' / ' + (l.concurrency === null ? '–' : fmtNum(l.concurrency))),
      h('td', { className: 'num held' }, fmtNum(l.held))));
    return h('section', { className: 'card', id: 'limits', 'aria-label': 'Limits' },
      h('h2', null, 'Limits'),
      h('div', { className: 'scroll' }, h('table', { id: 'limits-table' },
        h('thead', null, h('tr', null, ['', 'function or key', 'running / limit', 'held'].map((c) => h('th', null, c)))),
        h('tbody', null, rows))),
      h('p', { className: 'muted note' }, 'Held jobs wait, queued, for a slot, a start or the end of a hold; they use no worker slot.'));
  }

  // The queue's own tiles: what is waiting and running, and what ended in the last hour, with its sparkline.
  function queueTiles(name, summary, workers, history) {
    const own = workers.filter((w) => w.queue === name);
    const slots = own.reduce((sum, w) => sum + (Number(w.metadata && w.metadata.concurrency) || 0), 0);
    const hour = (k) => history.reduce((sum, p) => sum + p[k], 0);
    const tile = (id, label, value) => h('div', { className: 'tile small', id: 'qtile-' + id }, h('span', { className: 'tile-value' }, value), h('span', { className: 'tile-label' }, label));
    return h('div', { className: 'tiles', id: 'queue-tiles' },
      tile('processed', 'processed, last hour', fmtNum(hour('complete') + hour('failed'))),
      tile('failed', 'failed, last hour', fmtNum(hour('failed'))),
      tile('queued', 'enqueued', summary ? fmtNum(summary.queued) : '–'),
      tile('scheduled', 'scheduled', summary ? fmtNum(summary.scheduled) : '–'),
      tile('retrying', 'retrying', summary ? fmtNum(summary.retrying) : '–'),
      tile('running', 'running / slots', (summary ? fmtNum(summary.active) : '–') + ' / ' + fmtNum(slots)),
      tile('workers', 'workers', fmtNum(own.length)),
      h('div', { className: 'tile small spark-tile' }, charts.sparkline(history.map((p) => SERIES.reduce((a, k) => a + p[k], 0)), name + ': jobs ended per minute, last hour'),
        h('span', { className: 'tile-label' }, 'per minute, last hour')));
  }

  function attemptsText(job) {
    // SAQ keeps the attempts across an operator's retry: 3 attempts of 1 allowed reads as "3 (1 allowed)".
    return job.attempts > job.retries ? job.attempts + ' (' + job.retries + ' allowed)' : job.attempts + ' of ' + job.retries;
  }

  async function bulk(button, queue, status, fn, prefix, action, count) {
    const verbs = { retry: 'Queue ', abort: 'Abort ', delete: 'Delete for ever ' };
    const what = verbs[action] + fmtNum(count) + ' ' + status + ' job' + (count === 1 ? '' : 's') + ' of "' + queue + '"' + (action === 'retry' ? ' again?' : '?');
    if (!confirm(what)) return;
    button.disabled = true;
    const body = selection.all
      ? { action, status, function: fn || null, prefix: prefix || null }
      : { action, keys: [...selection.keys] };
    try {
      let done = 0, skipped = 0;
      if (body.keys) {
        // At most 1,000 keys per request.
        for (let i = 0; i < body.keys.length; i += 1000) {
          const outcome = await post('queues/' + enc(queue) + '/jobs/bulk', { action, keys: body.keys.slice(i, i + 1000) });
          done += outcome.count; skipped += outcome.skipped;
        }
      } else {
        const outcome = await post('queues/' + enc(queue) + '/jobs/bulk', body);
        done = outcome.count; skipped = outcome.skipped;
      }
      flash(fmtNum(done) + ' job' + (done === 1 ? '' : 's') + { retry: ' queued again', abort: ' aborted', delete: ' deleted' }[action] + (skipped ? '; ' + fmtNum(skipped) + ' skipped (gone, or not in a state that allows it).' : '.'));
    } catch (e) {
      flash(action + ' failed: ' + e.message, true);
    }
    selection = { scope: '', keys: new Set(), all: false };
    refresh();
  }

  async function bulkRetry(button, queue) {
    if (!confirm('Queue every failed job of "' + queue + '" again?')) return;
    button.disabled = true;
    try {
      const outcome = await post('queues/' + enc(queue) + '/retry-failed');
      flash(outcome.message);
    } catch (e) {
      flash('Retry failed: ' + e.message, true);
    }
    refresh();
  }

  async function setPaused(button, queue, pause) {
    if (pause && !confirm('Pause queue "' + queue + '"? Its workers stop taking jobs until it is resumed.')) return;
    button.disabled = true;
    try {
      const outcome = await post('queues/' + enc(queue) + (pause ? '/pause' : '/resume'));
      flash(outcome.message);
    } catch (e) {
      flash((pause ? 'Pause' : 'Resume') + ' failed: ' + e.message, true);
    }
    refresh();
  }

  async function scanQueue(button, queue) {
    button.disabled = true;
    try {
      const outcome = await post('queues/' + enc(queue) + '/scan');
      flash(outcome.message);
    } catch (e) {
      flash('Scan failed: ' + e.message, true);
    }
    refresh();
  }

  // ---- job page ----------------------------------------------------------------------------------------------

  async function jobPage(main, queue, key) {
    let job;
    try {
      job = await api('queues/' + enc(queue) + '/jobs/' + enc(key));
    } catch (e) {
      main.replaceChildren(h('h1', null, 'Job ', key), h('p', { className: 'muted', id: 'not-found' }, e.message),
        h('a', { href: '#/queues/' + enc(queue) }, '← back to ' + queue));
      return;
    }
    const finished = FINISHED.includes(job.status);
    const actions = h('div', { className: 'toolbar', id: 'actions' });
    if (!config.read_only) {
      if (finished) {
        actions.appendChild(h('button', { className: 'primary', id: 'retry', onclick: (e) => act(e.target, queue, key, 'retry') }, 'Retry'));
      } else {
        actions.appendChild(h('button', { className: 'danger', id: 'abort', onclick: (e) => {
          if (confirm('Abort job "' + key + '"?')) act(e.target, queue, key, 'abort');
        } }, 'Abort'));
      }
    }
    const percent = Math.round((job.progress || 0) * 100);
    const fields = [
      ['function', job.function], ['queue', job.queue], ['attempts', attemptsText(job)],
      ['worker', job.worker_id || '–'], ['timeout', job.timeout ? job.timeout + ' s' : 'none'],
      ['heartbeat', job.heartbeat ? job.heartbeat + ' s' : 'off'], ['kept for', job.ttl > 0 ? job.ttl + ' s after finishing' : job.ttl === 0 ? 'ever' : 'not kept'],
    ];
    // "scheduled" means something only while the job waits, or when it was scheduled for later.
    if (job.scheduled) fields.push(['scheduled for', when(job.scheduled * 1000)]);
    else if (job.status === 'queued') fields.push(['scheduled', 'now']);
    fields.push(['last touched', when(job.touched)]);
    const progress = finished ? null : [
      h('div', null, 'Progress ', h('span', { id: 'progress-text' }, percent + '%')),
      h('div', { className: 'progress', role: 'progressbar', 'aria-valuenow': percent, 'aria-valuemin': 0, 'aria-valuemax': 100 }, h('div', null))];
    const sections = [
      h('h1', null, 'Job ', h('span', { id: 'job-key' }, job.key), ' ', copyButton(job.key), ' ', h('span', { id: 'job-status' }, badge(job.status))),
      h('a', { href: '#/queues/' + enc(queue) + '/' + (job.status === 'aborting' ? 'active' : job.status) }, '← ' + queue), actions,
      h('div', { className: 'card' }, progress, timeline(job),
        h('h2', null, 'Details'), h('dl', { className: 'fields' }, fields.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]))),
    ];
    if (job.attempt_history && job.attempt_history.length) sections.push(h('h2', null, 'Attempts'), attemptsTable(job.attempt_history));
    sections.push(h('h2', null, 'Arguments (kwargs)'), h('pre', { id: 'job-kwargs' }, json(job.kwargs)));
    if (job.error) sections.push(h('h2', null, 'Error'), h('pre', { className: 'error', id: 'job-error' }, withoutRepeats(job.error)));
    if (job.result !== null && job.result !== undefined) sections.push(h('h2', null, 'Result'), h('pre', { id: 'job-result' }, json(job.result)));
    if (job.meta && Object.keys(job.meta).length) sections.push(h('h2', null, 'Meta'), h('pre', { id: 'job-meta' }, json(job.meta)));
    main.replaceChildren(...sections);
    const bar = main.querySelector('.progress > div');
    // The CSP forbids inline style attributes set from markup, but not the CSSOM.
    if (bar) bar.style.width = percent + '%';
  }

  // Every recorded attempt, oldest first: when, on which worker, how long, how it ended; its error's first line, the
  // whole error in a details element.
  function attemptsTable(attempts) {
    return h('div', { className: 'scroll' }, h('table', { id: 'attempts' },
      h('thead', null, h('tr', null, ['#', 'started', 'worker', 'took', 'outcome', 'error'].map((c) => h('th', { className: c === '#' || c === 'took' ? 'num' : null }, c)))),
      h('tbody', null, attempts.map((a) => h('tr', { 'data-attempt': a.attempt },
        h('td', { className: 'num' }, String(a.attempt)),
        h('td', { className: 'when' }, when(a.started || a.ended)),
        h('td', { className: 'worker' }, a.worker_id || '–'),
        h('td', { className: 'num took' }, a.duration_ms === null || a.duration_ms === undefined ? '–' : fmtDuration(a.duration_ms)),
        h('td', { className: 'outcome' }, badge(a.outcome)),
        h('td', { className: 'error' }, a.error
          ? h('details', null, h('summary', null, a.error.split(/\r?\n/)[0]), h('pre', { className: 'error' }, withoutRepeats(a.error)))
          : ''))))));
  }

  // A stack frame repeated on consecutive lines (an exception rethrown through the same frame) is shown once.
  function withoutRepeats(text) {
    const out = [];
    for (const line of text.split(/\r?\n/)) {
      if (out.length && line.trim().startsWith('at ') && out[out.length - 1] === line) continue;
      out.push(line);
    }
    return out.join('\n');
  }

  function timeline(job) {
    const now = Date.now();
    const steps = [['queued', job.queued], ['started', job.started], [FINISHED.includes(job.status) ? job.status : 'completed', job.completed]];
    const nodes = [];
    steps.forEach(([label, at], i) => {
      if (i > 0) {
        const from = steps[i - 1][1];
        const to = at || (from && !job.completed && i === 1 + (job.started ? 1 : 0) ? now : 0);
        nodes.push(h('div', { className: 'arrow' }, '→', h('br'), from && to ? fmtDuration(Math.max(0, to - from)) + (at ? '' : ' so far') : ''));
      }
      nodes.push(h('div', { className: 'step' + (at ? '' : ' pending'), 'data-step': label }, h('strong', null, label), h('br'), h('span', { className: 'muted' }, when(at))));
    });
    return h('div', { className: 'timeline', id: 'timeline' }, nodes);
  }

  async function act(button, queue, key, action) {
    button.disabled = true;
    try {
      const outcome = await post('queues/' + enc(queue) + '/jobs/' + enc(key) + '/' + action);
      flash(outcome.message);
    } catch (e) {
      flash(action + ' failed: ' + e.message, true);
    }
    refresh();
  }

  // ---- workers -----------------------------------------------------------------------------------------------

  async function workersPage(main) {
    const workers = await api('workers');
    // Slots in use: the running jobs of each queue (one page of at most 200), counted by worker.
    const queues = [...new Set(workers.map((w) => w.queue))];
    const active = await Promise.all(queues.map((q) => api('queues/' + enc(q) + '/jobs?status=active&limit=200').catch(() => ({ jobs: [] }))));
    const running = new Map();
    for (const page of active) for (const j of page.jobs) if (j.worker_id) running.set(j.worker_id, (running.get(j.worker_id) || 0) + 1);
    const now = Date.now();
    const meta = (w, k) => (w.metadata && w.metadata[k] !== undefined && w.metadata[k] !== null ? w.metadata[k] : null);
    const rows = workers.map((w) => {
      const fns = meta(w, 'functions');
      const slots = meta(w, 'concurrency');
      return h('tr', { 'data-worker': w.id },
        h('td', { className: 'key', title: w.id }, shortKey(w.id)),
        h('td', { className: 'host' }, meta(w, 'host') ?? '–'), h('td', { className: 'num pid' }, meta(w, 'pid') ?? '–'),
        h('td', null, h('a', { href: '#/queues/' + enc(w.queue) }, w.queue)),
        h('td', { className: 'num slots' }, (running.get(w.id) || 0) + (slots !== null ? ' / ' + slots : '')),
        h('td', { className: 'num done' }, fmtNum(w.stats.complete + w.stats.failed + w.stats.aborted)),
        h('td', { className: 'num' }, fmtNum(w.stats.failed)), h('td', { className: 'num' }, fmtNum(w.stats.retried)),
        h('td', { className: 'uptime' }, fmtDuration(w.stats.uptime_ms)),
        h('td', null, w.last_seen ? relative(Math.min(now, Date.parse(w.last_seen))) : '–'),
        h('td', { className: 'functions' }, Array.isArray(fns) ? fns.map((f) => h('code', null, f)) : '–'));
    });
    const headers = ['id', 'host', 'pid', 'queue', 'slots used', 'jobs done', 'failed', 'retried', 'uptime', 'last seen', 'functions'];
    main.replaceChildren(h('h1', null, 'Workers'), h('div', { className: 'scroll' }, h('table', { id: 'workers' },
      h('thead', null, h('tr', null, headers.map((c) => h('th', { className: ['pid', 'slots used', 'jobs done', 'failed', 'retried'].includes(c) ? 'num' : null }, c)))),
      h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: headers.length, className: 'muted' }, 'No live worker.'))))));
  }

  // ---- routing, polling, keyboard ----------------------------------------------------------------------------

  function route() {
    const [path, query] = location.hash.replace(/^#/, '').split('?');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const params = new URLSearchParams(query || '');
    if (parts[0] === 'workers') return (main) => workersPage(main);
    if (parts[0] === 'queues' && parts[1] !== undefined) {
      if (parts[2] === 'job' && parts[3] !== undefined) return (main) => jobPage(main, parts[1], parts[3]);
      return (main) => queuePage(main, parts[1], STATUSES.includes(parts[2]) ? parts[2] : 'queued', params);
    }
    return (main) => overview(main);
  }

  // One refresh at a time: a render replaces the page, and one that ran between another's render and its putting the
  // focus back would find no focused field and drop it. A periodic refresh that comes while one runs is skipped; a
  // navigation waits for the running one.
  let refreshing = null;

  function refresh(periodic) {
    if (periodic && refreshing) return refreshing;
    const next = (refreshing || Promise.resolve()).then(() => render(periodic));
    const mine = next.finally(() => { if (refreshing === mine) refreshing = null; });
    refreshing = mine;
    return mine;
  }

  // The control the operator last focused in the page (its data-focus name), kept while a render replaces it: a
  // render removes the focused element, and the focus goes back to the new one of the same name.
  let focusKey = null;

  function trackFocus(main) {
    main.addEventListener('focusin', (e) => { focusKey = e.target.getAttribute('data-focus'); });
    main.addEventListener('focusout', (e) => {
      const left = e.target;
      // Removed by a render: keep the name. Moved by the operator: the next focusin names it, or nothing has focus.
      setTimeout(() => { if (left.isConnected && !main.contains(document.activeElement)) focusKey = null; }, 0);
    });
  }

  async function render(periodic) {
    const main = document.getElementById('main');
    const focused = document.activeElement;
    // Someone typing in a field keeps what they typed: the periodic refresh waits until it is applied or undone.
    if (periodic && focused && main.contains(focused) && focused.tagName === 'INPUT' && focused.type !== 'checkbox' && focused.value !== focused.defaultValue) return;
    const current = view;
    try {
      await current(main);
      document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
      const lost = !document.activeElement || document.activeElement === document.body || !document.activeElement.isConnected;
      if (focusKey && lost) {
        const again = [...main.querySelectorAll('[data-focus]')].find((n) => n.getAttribute('data-focus') === focusKey);
        if (again) again.focus();
      }
    } catch (e) {
      if (current === view) main.replaceChildren(h('p', { className: 'muted', id: 'load-error' }, 'Could not load: ' + e.message));
    }
  }

  function navigate() {
    view = route();
    document.getElementById('flash').hidden = true;
    refresh();
  }

  function keys(e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const target = e.target;
    if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')) return;
    if (e.key === '/') {
      const field = document.getElementById('filter-prefix');
      if (field) { e.preventDefault(); field.focus(); }
    } else if (e.key === 'g') {
      location.hash = '#/';
    } else if (e.key === 'w') {
      location.hash = '#/workers';
    }
  }

  async function start() {
    config = await api('config');
    document.getElementById('title').textContent = config.title;
    document.title = config.title;
    document.getElementById('mode').textContent = config.read_only ? 'read-only' : '';
    trackFocus(document.getElementById('main'));
    window.addEventListener('hashchange', navigate);
    document.addEventListener('keydown', keys);
    navigate();
    // Periodic refresh keeps counts, charts and running jobs live; skipped while the tab is hidden.
    timer = setInterval(() => { if (!document.hidden) refresh(true); }, config.poll_milliseconds);
  }

  start().catch((e) => {
    document.getElementById('main').replaceChildren(h('p', { id: 'load-error' }, 'Could not start the dashboard: ' + e.message));
    if (timer) clearInterval(timer);
  });
})();
