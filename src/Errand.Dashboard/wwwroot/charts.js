// Errand dashboard charts: SVG line charts with labelled axes and a value per point on hover, and sparklines.
// Drawn with DOM calls only (no HTML strings, no inline scripts), so the page's CSP (script-src 'self') holds.
(function () {
  'use strict';

  const SVG = 'http://www.w3.org/2000/svg';
  const COLORS = { complete: 'var(--complete)', failed: 'var(--failed)', retried: 'var(--retried)', aborted: 'var(--aborted)', processed: 'var(--complete)', queued: 'var(--active)' };

  function s(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A round upper bound and its ticks: 0, step, 2 step, ... >= max (at most 5 ticks).
  function ticks(max, integer) {
    if (max <= 0) return [0, 1];
    if (integer && max <= 4) return Array.from({ length: Math.ceil(max) + 1 }, (_, i) => i);
    const raw = max / 4;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((m) => m >= raw && (m >= 1 || max < 4)) || power * 10;
    const out = [];
    for (let v = 0; v < max + step / 2 && out.length < 6; v += step) out.push(Math.round(v * 100) / 100);
    if (out[out.length - 1] < max) out.push(out[out.length - 1] + step);
    return out;
  }

  // points: [{t: epoch ms, <series>: number}]; opts: {series, width, height, label, xLabel(t), xEvery or xAt(p), unit, id, bars}
  // (xAt: a point is labelled when it says so, such as the first hour of each day)
  // With bars, the series are stacked in one bar per point (a burst is a tall bar, not a spike at the edge).
  function lineChart(points, opts) {
    const width = opts.width || 600, height = opts.height || 200;
    const left = 44, right = 10, top = 10, bottom = 24;
    const series = opts.series;
    const values = (p) => series.map((k) => p[k] || 0);
    const max = Math.max(0, ...points.map((p) => (opts.bars ? values(p).reduce((a, b) => a + b, 0) : Math.max(...values(p)))));
    const yt = ticks(max, points.every((p) => values(p).every(Number.isInteger)));
    const top_ = yt[yt.length - 1] || 1;
    const plotW = width - left - right, plotH = height - top - bottom;
    const slot = plotW / Math.max(1, points.length);
    // With a time span, points sit at their time (a live chart with gaps); otherwise evenly spaced.
    const span = opts.span;
    const atTime = (t) => left + (plotW * (t - span.from)) / (span.to - span.from);
    const x = opts.bars
      ? (i) => left + slot * (i + 0.5)
      : span ? (i) => atTime(points[i].t)
        : (i) => left + (points.length <= 1 ? plotW : (i * plotW) / (points.length - 1));
    const y = (v) => top + plotH * (1 - v / top_);
    const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img' });
    if (opts.id) svg.setAttribute('id', opts.id);
    svg.appendChild(s('title', null, opts.label));
    for (const v of yt) {
      svg.appendChild(s('line', { x1: left, y1: y(v), x2: width - right, y2: y(v), class: v === 0 ? 'axis' : 'grid' }));
      svg.appendChild(s('text', { x: left - 6, y: y(v) + 3.5, 'text-anchor': 'end', class: 'y-label' }, formatTick(v)));
    }
    if (span) {
      span.ticks.forEach(([t, label], i) => {
        const anchor = i === 0 ? 'start' : i === span.ticks.length - 1 ? 'end' : 'middle';
        svg.appendChild(s('text', { x: atTime(t), y: height - 6, 'text-anchor': anchor, class: 'x-label' }, label));
      });
    } else {
      const every = opts.xEvery || Math.max(1, Math.ceil(points.length / 6));
      points.forEach((p, i) => {
        if (opts.xAt ? !opts.xAt(p) : (points.length - 1 - i) % every !== 0) return;
        // A labelled boundary (xAt) starts its span: the text runs over it, or ends at it near the right edge.
        const anchor = opts.xAt ? (i > points.length - 12 ? 'end' : 'start')
          : i === 0 ? 'start' : i === points.length - 1 ? 'end' : 'middle';
        svg.appendChild(s('text', { x: opts.xAt ? x(i) - slot / 2 : x(i), y: height - 6, 'text-anchor': anchor, class: 'x-label' }, opts.xLabel(p.t)));
      });
    }
    if (opts.bars) {
      points.forEach((p, i) => {
        let base = 0;
        for (const k of series) {
          const v = p[k] || 0;
          if (v > 0) svg.appendChild(s('rect', { x: x(i) - slot * 0.4, y: y(base + v), width: slot * 0.8, height: y(base) - y(base + v), fill: COLORS[k], 'data-series': k }));
          base += v;
        }
      });
    }
    for (const k of opts.bars ? [] : series) {
      svg.appendChild(s('polyline', {
        fill: 'none', stroke: COLORS[k] || 'var(--accent)', 'stroke-width': 2, 'vector-effect': 'non-scaling-stroke',
        'stroke-linejoin': 'round', points: points.map((p, i) => x(i) + ',' + y(p[k] || 0)).join(' '), 'data-series': k,
      }));
    }
    // One hover band per point: its native tooltip gives the exact values, and the band highlights under the pointer.
    const band = opts.bars ? slot : span ? Math.max(4, plotW / Math.max(1, points.length)) : points.length > 1 ? plotW / (points.length - 1) : plotW;
    points.forEach((p, i) => {
      const from = Math.min(Math.max(left, x(i) - band / 2), left + plotW - band);
      const rect = s('rect', { x: from, y: top, width: band, height: plotH, class: 'hover', 'data-index': i });
      rect.appendChild(s('title', null, opts.xLabel(p.t, true) + ': ' + series.map((k) => k + ' ' + formatValue(p[k] || 0) + (opts.unit || '')).join(', ')));
      svg.appendChild(rect);
    });
    return svg;
  }

  // A sparkline of one series: no axes, its title gives the total and the peak.
  function sparkline(values, label) {
    const width = 120, height = 28;
    const max = Math.max(1, ...values);
    const x = (i) => (values.length <= 1 ? width : (i * width) / (values.length - 1));
    const y = (v) => 2 + (height - 4) * (1 - v / max);
    const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'sparkline', role: 'img', preserveAspectRatio: 'none' });
    svg.appendChild(s('title', null, label));
    svg.appendChild(s('polyline', { fill: 'none', stroke: 'var(--accent)', 'stroke-width': 1.5, 'vector-effect': 'non-scaling-stroke', points: values.map((v, i) => x(i) + ',' + y(v)).join(' ') }));
    return svg;
  }

  // Two overlapping sheets: the copy icon, drawn rather than taken from a font that may lack the glyph.
  function copyIcon() {
    const svg = s('svg', { viewBox: '0 0 16 16', class: 'icon', 'aria-hidden': 'true' });
    svg.appendChild(s('rect', { x: 5, y: 5, width: 9, height: 9, rx: 1.5 }));
    svg.appendChild(s('path', { d: 'M11 3.5V3a1.5 1.5 0 0 0-1.5-1.5h-6A1.5 1.5 0 0 0 2 3v6a1.5 1.5 0 0 0 1.5 1.5H4' }));
    return svg;
  }

  function formatTick(v) {
    if (v >= 1e6) return (v / 1e6).toFixed(v % 1e6 ? 1 : 0) + 'M';
    if (v >= 1e3) return (v / 1e3).toFixed(v % 1e3 ? 1 : 0) + 'k';
    return String(v);
  }

  function formatValue(v) {
    return Number.isInteger(v) ? v.toLocaleString() : v.toFixed(2);
  }

  window.ErrandCharts = { lineChart, sparkline, ticks, copyIcon };
})();
