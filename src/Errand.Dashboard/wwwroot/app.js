// Errand dashboard: reads the JSON API next to this page and draws it. Every value goes in as text (textContent or
// text nodes), never as HTML. State-changing calls are POSTs with the X-Errand-Dashboard header.
(function () {
  'use strict';

  const SVG = 'http://www.w3.org/2000/svg';
  const STATUSES = ['queued', 'scheduled', 'active', 'aborting', 'complete', 'failed', 'aborted'];
  const FINISHED = ['complete', 'failed', 'aborted'];
  const PAGE = 50;
  let config = null;
  let timer = null;
  let view = null;

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

  function s(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    return node;
  }

  async function api(path) {
    const response = await fetch('api/' + path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    const body = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  async function post(path) {
    const response = await fetch('api/' + path, { method: 'POST', headers: { 'X-Errand-Dashboard': '1', Accept: 'application/json' } });
    const body = await response.json().catch(() => ({ error: response.statusText }));
    if (!response.ok) throw new Error(body.error || response.statusText);
    return body;
  }

  function flash(message, isError) {
    const box = document.getElementById('flash');
    box.textContent = message;
    box.className = isError ? 'error' : '';
    box.hidden = false;
  }

  const enc = encodeURIComponent;
  const fmtTime = (ms) => (ms ? new Date(ms).toLocaleString() : '–');
  const fmtNum = (n) => Number(n).toLocaleString();

  function fmtDuration(ms) {
    if (ms < 1000) return ms + ' ms';
    const sec = ms / 1000;
    if (sec < 60) return sec.toFixed(sec < 10 ? 2 : 1) + ' s';
    const min = Math.floor(sec / 60);
    if (min < 60) return min + ' min ' + Math.round(sec % 60) + ' s';
    return Math.floor(min / 60) + ' h ' + (min % 60) + ' min';
  }

  const badge = (status) => h('span', { className: 'badge ' + status, 'data-status': status }, status);
  const json = (value) => JSON.stringify(value === undefined ? null : value, null, 2);

  // ---- overview ----------------------------------------------------------------------------------------------

  async function overview(main) {
    const queues = await api('queues');
    const histories = await Promise.all(queues.map((q) => api('queues/' + enc(q.name) + '/history?minutes=60')));
    const table = h('table', { id: 'queues' },
      h('thead', null, h('tr', null, h('th', null, 'Queue'),
        ['queued', 'active', 'scheduled', 'complete', 'failed', 'aborted'].map((c) => h('th', { className: 'num' }, c)),
        h('th', { className: 'num' }, 'workers'))),
      h('tbody', null, queues.map((q) => h('tr', { 'data-queue': q.name },
        h('td', null, h('a', { href: '#/queues/' + enc(q.name) }, q.name)),
        ['queued', 'active', 'scheduled', 'complete', 'failed', 'aborted'].map((c) =>
          h('td', { className: 'num count-' + c }, h('a', { href: '#/queues/' + enc(q.name) + '/' + c }, fmtNum(q[c])))),
        h('td', { className: 'num count-workers' }, h('a', { href: '#/workers' }, fmtNum(q.workers)))))));
    const charts = h('div', { className: 'grid' }, queues.map((q, i) => h('div', { className: 'card', 'data-chart': q.name },
      h('h2', null, q.name + ': per minute, last hour'), chart(histories[i]),
      h('div', { className: 'legend' }, ['complete', 'failed', 'retried', 'aborted'].map((k) =>
        h('span', { className: k }, k + ' ' + fmtNum(histories[i].reduce((sum, p) => sum + p[k], 0))))))));
    main.replaceChildren(h('h1', null, 'Queues'), table, charts);
  }

  function chart(points) {
    const width = 560, height = 160, left = 30, bottom = 18, top = 8;
    const series = ['complete', 'failed', 'retried', 'aborted'];
    const max = Math.max(1, ...points.flatMap((p) => series.map((k) => p[k])));
    const x = (i) => left + (i * (width - left - 4)) / Math.max(1, points.length - 1);
    const y = (v) => top + (height - top - bottom) * (1 - v / max);
    const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img' });
    const label = s('title');
    label.textContent = 'Jobs per minute over the last hour';
    svg.appendChild(label);
    svg.appendChild(s('line', { x1: left, y1: y(0), x2: width, y2: y(0), class: 'axis' }));
    svg.appendChild(s('line', { x1: left, y1: y(max), x2: width, y2: y(max), class: 'axis' }));
    for (const [value, at] of [[0, y(0)], [max, y(max)]]) {
      const t = s('text', { x: left - 4, y: at + 3, 'text-anchor': 'end' });
      t.textContent = String(value);
      svg.appendChild(t);
    }
    const colors = { complete: '#1f9d55', failed: '#d64545', retried: '#d69e2e', aborted: '#7c5cbf' };
    for (const k of series) {
      const line = s('polyline', { fill: 'none', stroke: colors[k], 'stroke-width': 1.8, points: points.map((p, i) => x(i) + ',' + y(p[k])).join(' ') });
      line.setAttribute('data-series', k);
      svg.appendChild(line);
    }
    if (points.length) {
      for (const [i, anchor] of [[0, 'start'], [points.length - 1, 'end']]) {
        const t = s('text', { x: x(i), y: height - 4, 'text-anchor': anchor });
        t.textContent = new Date(points[i].minute).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
        svg.appendChild(t);
      }
    }
    return svg;
  }

  // ---- queue page --------------------------------------------------------------------------------------------

  async function queuePage(main, name, status, params) {
    const offset = Math.max(0, parseInt(params.get('offset') || '0', 10) || 0);
    const [summary, list] = await Promise.all([
      api('queues').then((all) => all.find((q) => q.name === name)),
      api('queues/' + enc(name) + '/jobs?status=' + enc(status) + '&offset=' + offset + '&limit=' + PAGE),
    ]);
    const base = '#/queues/' + enc(name) + '/';
    const tabs = h('div', { className: 'tabs' }, STATUSES.map((st) => h('a', {
      href: base + st, className: st === status ? 'current' : null, 'data-tab': st,
    }, st + (summary && summary[st] !== undefined ? ' (' + fmtNum(summary[st]) + ')' : ''))));

    const search = h('form', { onsubmit: (e) => { e.preventDefault(); const key = e.target.elements.key.value.trim(); if (key) location.hash = base + 'job/' + enc(key); } },
      h('input', { type: 'search', name: 'key', placeholder: 'Find a job by key', 'aria-label': 'Job key' }), ' ', h('button', { type: 'submit' }, 'Find'));
    const toolbar = h('div', { className: 'toolbar' }, search);
    if (FINISHED.includes(status)) {
      toolbar.appendChild(h('button', {
        id: 'scan', onclick: (e) => scanQueue(e.target, name),
        title: 'Find jobs finished by Python SAQ, which Errand has not indexed: reads every job of the queue once (slow on a large queue).',
      }, 'Find jobs not indexed'));
    }
    if (status === 'failed' && !config.read_only) {
      toolbar.appendChild(h('button', { className: 'danger', id: 'retry-failed', onclick: (e) => bulkRetry(e.target, name) }, 'Retry all failed'));
    }

    const rows = list.jobs.map((j) => h('tr', { 'data-key': j.key },
      h('td', null, h('a', { href: base + 'job/' + enc(j.key) }, j.key)),
      h('td', null, j.function), h('td', null, badge(j.status)),
      h('td', { className: 'num' }, j.attempts + '/' + j.retries),
      h('td', null, status === 'scheduled' ? fmtTime(j.scheduled * 1000) : FINISHED.includes(status) ? fmtTime(j.completed) : fmtTime(j.queued)),
      h('td', { className: 'muted' }, j.error || '')));
    const timeHeader = status === 'scheduled' ? 'scheduled for' : FINISHED.includes(status) ? 'completed' : 'queued';
    const table = h('table', { id: 'jobs' },
      h('thead', null, h('tr', null, ['key', 'function', 'status', 'attempts', timeHeader, 'error'].map((c) => h('th', null, c)))),
      h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: 6, className: 'muted' }, 'No ' + status + ' jobs.'))));
    const last = Math.min(list.total, offset + list.jobs.length);
    const pageLink = (to) => base + status + '?offset=' + to;
    const pager = h('div', { className: 'pager' },
      h('button', { disabled: offset === 0, onclick: () => { location.hash = pageLink(Math.max(0, offset - PAGE)); } }, '← Newer'),
      h('span', { id: 'range' }, list.total === 0 ? '0' : (offset + 1) + '–' + last + ' of ' + fmtNum(list.total)),
      h('button', { disabled: offset + PAGE >= list.total, onclick: () => { location.hash = pageLink(offset + PAGE); } }, 'Older →'));
    main.replaceChildren(h('h1', null, 'Queue ', name), tabs, toolbar, table, pager);
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
    const actions = h('div', { className: 'toolbar', id: 'actions' });
    if (!config.read_only) {
      if (FINISHED.includes(job.status)) {
        actions.appendChild(h('button', { className: 'primary', id: 'retry', onclick: (e) => act(e.target, queue, key, 'retry') }, 'Retry'));
      } else {
        actions.appendChild(h('button', { className: 'danger', id: 'abort', onclick: (e) => {
          if (confirm('Abort job "' + key + '"?')) act(e.target, queue, key, 'abort');
        } }, 'Abort'));
      }
    }
    const percent = Math.round((job.progress || 0) * 100);
    const fields = [
      ['function', job.function], ['queue', job.queue], ['attempts', job.attempts + ' of ' + job.retries],
      ['worker', job.worker_id || '–'], ['timeout', job.timeout ? job.timeout + ' s' : 'none'],
      ['heartbeat', job.heartbeat ? job.heartbeat + ' s' : 'off'], ['kept for', job.ttl > 0 ? job.ttl + ' s after finishing' : job.ttl === 0 ? 'ever' : 'not kept'],
      ['scheduled', job.scheduled ? fmtTime(job.scheduled * 1000) : 'now'], ['last touched', fmtTime(job.touched)],
    ];
    const sections = [
      h('h1', null, 'Job ', h('span', { id: 'job-key' }, job.key), ' ', h('span', { id: 'job-status' }, badge(job.status))),
      h('a', { href: '#/queues/' + enc(queue) + '/' + (job.status === 'aborting' ? 'active' : job.status) }, '← ' + queue), actions,
      h('div', { className: 'card' },
        h('div', null, 'Progress ', h('span', { id: 'progress-text' }, percent + '%')),
        h('div', { className: 'progress', role: 'progressbar', 'aria-valuenow': percent, 'aria-valuemin': 0, 'aria-valuemax': 100 },
          h('div', { style: null, 'data-width': percent })),
        timeline(job),
        h('h2', null, 'Details'), h('dl', { className: 'fields' }, fields.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]))),
      h('h2', null, 'Arguments (kwargs)'), h('pre', { id: 'job-kwargs' }, json(job.kwargs)),
    ];
    if (job.error) sections.push(h('h2', null, 'Error'), h('pre', { className: 'error', id: 'job-error' }, job.error));
    if (job.result !== null && job.result !== undefined) sections.push(h('h2', null, 'Result'), h('pre', { id: 'job-result' }, json(job.result)));
    if (job.meta && Object.keys(job.meta).length) sections.push(h('h2', null, 'Meta'), h('pre', { id: 'job-meta' }, json(job.meta)));
    main.replaceChildren(...sections);
    // The CSP forbids inline style attributes set from markup, but not the CSSOM.
    const bar = main.querySelector('.progress > div');
    bar.style.width = percent + '%';
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
      nodes.push(h('div', { className: 'step' + (at ? '' : ' pending'), 'data-step': label }, h('strong', null, label), h('br'), h('span', { className: 'muted' }, fmtTime(at))));
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
    const now = Date.now();
    const rows = workers.map((w) => h('tr', { 'data-worker': w.id },
      h('td', null, w.id), h('td', null, h('a', { href: '#/queues/' + enc(w.queue) }, w.queue)),
      ['complete', 'failed', 'retried', 'aborted'].map((k) => h('td', { className: 'num' }, fmtNum(w.stats[k]))),
      h('td', null, fmtDuration(w.stats.uptime_ms)),
      h('td', null, w.last_seen ? fmtDuration(Math.max(0, now - Date.parse(w.last_seen))) + ' ago' : '–'),
      h('td', null, w.metadata ? h('pre', null, json(w.metadata)) : '–')));
    main.replaceChildren(h('h1', null, 'Workers'), h('table', { id: 'workers' },
      h('thead', null, h('tr', null, ['id', 'queue', 'complete', 'failed', 'retried', 'aborted', 'uptime', 'last seen', 'metadata'].map((c) => h('th', null, c)))),
      h('tbody', null, rows.length ? rows : h('tr', null, h('td', { colspan: 9, className: 'muted' }, 'No live worker.')))));
  }

  // ---- routing and polling -----------------------------------------------------------------------------------

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

  async function refresh() {
    const main = document.getElementById('main');
    const current = view;
    try {
      await current(main);
      document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    } catch (e) {
      if (current === view) main.replaceChildren(h('p', { className: 'muted', id: 'load-error' }, 'Could not load: ' + e.message));
    }
  }

  function navigate() {
    view = route();
    document.getElementById('flash').hidden = true;
    refresh();
  }

  async function start() {
    config = await api('config');
    document.getElementById('title').textContent = config.title;
    document.title = config.title;
    document.getElementById('mode').textContent = config.read_only ? 'read-only' : '';
    window.addEventListener('hashchange', navigate);
    navigate();
    // Periodic refresh keeps counts, charts and running jobs live; skipped while the tab is hidden.
    timer = setInterval(() => { if (!document.hidden) refresh(); }, config.poll_milliseconds);
  }

  start().catch((e) => {
    document.getElementById('main').replaceChildren(h('p', { id: 'load-error' }, 'Could not start the dashboard: ' + e.message));
    if (timer) clearInterval(timer);
  });
})();
