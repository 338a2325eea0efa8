/**
 * Chart.js glue: theme from the page's CSS variables, a stable colour per
 * series key, and charts that are created once and then updated in place on
 * every refresh (no flicker, no animation). Datasets carry the API's exact
 * strings in `exact` so tooltips show exact amounts; `data` holds floats for
 * drawing only. A chart given a `pick(datasetIndex, index)` callback calls it
 * for the bar (or legend entry) clicked: the page turns that into a filter.
 */
import { formatCompact, formatMs, formatUsd } from './format.js';

/** Tableau 10, minus grey, which is kept for "other". */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f'];
export const OTHER_COLOR = '#9ca3af';
const assigned = new Map();

/** The same colour for the same key for as long as the page is open. */
export function colorFor(key) {
  if (!assigned.has(key)) assigned.set(key, PALETTE[assigned.size % PALETTE.length]);
  return assigned.get(key);
}

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

export function applyTheme() {
  Chart.defaults.color = cssVar('--muted');
  Chart.defaults.borderColor = cssVar('--grid');
  Chart.defaults.font.family = cssVar('--font');
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.plugins.legend.labels.boxWidth = 12;
}

/** Creates the chart on first use, afterwards swaps its data and options and redraws. */
export function upsertChart(canvas, config) {
  let existing = Chart.getChart(canvas);
  // Switching between bars and lines needs a new chart.
  if (existing && existing.config.type !== config.type) {
    existing.destroy();
    existing = undefined;
  }
  if (!existing) return new Chart(canvas, config);
  existing.data = config.data;
  existing.options = config.options;
  existing.update('none');
  return existing;
}

export function usdTick(value) {
  const v = Number(value);
  return v !== 0 && Math.abs(v) < 10 ? `$${v.toFixed(Math.abs(v) < 1 ? 2 : 1)}` : `$${formatCompact(v)}`;
}

/**
 * Click and hover options for a pickable chart: `mode`/`intersect` choose the bar under the pointer
 * (a stacked segment needs 'nearest' + intersect; a row of a ranking 'index' anywhere on its line).
 */
function pickOptions(pick, mode, intersect) {
  if (!pick) return {};
  const at = (evt, chart) => chart.getElementsAtEventForMode(evt, mode, { intersect }, true)[0];
  return {
    onClick: (evt, _elements, chart) => {
      const el = at(evt, chart);
      if (el) pick(el.datasetIndex, el.index);
    },
    onHover: (evt, _elements, chart) => {
      chart.canvas.classList.toggle('pickable', at(evt, chart) !== undefined);
    },
  };
}

/** A legend whose entries filter (pick with index -1) instead of hiding their series. */
function pickLegend(pick) {
  if (!pick) return { position: 'bottom' };
  return {
    position: 'bottom',
    onClick: (_evt, item) => pick(item.datasetIndex, -1),
    onHover: (evt) => evt.native?.target?.classList.add('pickable'),
    onLeave: (evt) => evt.native?.target?.classList.remove('pickable'),
  };
}

const exactLabel = (ctx) => `${ctx.dataset.label}: ${formatUsd(ctx.dataset.exact[ctx.dataIndex])}`;

const AXIS_TICKS = { usd: usdTick, count: (v) => formatCompact(Number(v)), ms: (v) => formatMs(Number(v)) };

/**
 * The time chart: one dataset per series, buckets on x — stacked bars, or lines for an average
 * (`measure.line`). `measure` is an entry of MEASURES (measures.js): its `format` prints an exact
 * value, `unit` picks the axis ticks, `total` sums a stack for the tooltip's footer.
 */
export function timeConfig(labels, datasets, measure, pick) {
  const stacked = !measure.line;
  return {
    type: measure.line ? 'line' : 'bar',
    data: { labels, datasets },
    options: {
      ...pickOptions(pick, 'nearest', true),
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { stacked, grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12 } },
        y: { stacked, beginAtZero: true, ticks: { callback: AXIS_TICKS[measure.unit] } },
      },
      plugins: {
        legend: pickLegend(pick),
        tooltip: {
          filter: (item) => { const v = item.dataset.exact[item.dataIndex]; return v !== '0' && v !== null; },
          itemSort: (a, b) => b.raw - a.raw,
          callbacks: {
            label: (ctx) => `${ctx.dataset.label}: ${measure.format(ctx.dataset.exact[ctx.dataIndex])}`,
            footer: (items) => (measure.total ? `Total ${measure.total(items.map((i) => i.dataset.exact[i.dataIndex]))}` : ''),
          },
        },
      },
    },
  };
}

/** Horizontal bars of USD amounts (top users, top agents). */
export function rankingConfig(labels, exact, color, pick) {
  return {
    type: 'bar',
    data: { labels, datasets: [{ label: 'Spend', data: exact.map(Number.parseFloat), exact, backgroundColor: color, borderRadius: 3 }] },
    options: {
      ...pickOptions(pick, 'index', false),
      indexAxis: 'y',
      scales: { x: { beginAtZero: true, ticks: { callback: usdTick } }, y: { grid: { display: false } } },
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: exactLabel } } },
    },
  };
}

/** Cost per class as horizontal bars; the cached-input bar carries what the cache saved, stacked in a lighter green. */
export function classesConfig(labels, costs, savings) {
  return {
    type: 'bar',
    data: {
      labels,
      datasets: [
        { label: 'Cost', data: costs.map(Number.parseFloat), exact: costs, backgroundColor: '#4e79a7', stack: 'c', borderRadius: 3 },
        { label: 'Saved by cache', data: savings.map(Number.parseFloat), exact: savings, backgroundColor: 'rgba(89, 161, 79, 0.35)', borderColor: '#59a14f', borderWidth: 1, stack: 'c' },
      ],
    },
    options: {
      indexAxis: 'y',
      interaction: { mode: 'index', intersect: false },
      scales: { x: { stacked: true, beginAtZero: true, ticks: { callback: usdTick } }, y: { stacked: true, grid: { display: false } } },
      plugins: {
        legend: { position: 'bottom' },
        tooltip: { filter: (item) => item.dataset.exact[item.dataIndex] !== '0', callbacks: { label: exactLabel } },
      },
    },
  };
}

/** Grouped horizontal bars: p50 / p95 / p99 duration per model. */
export function latencyConfig(labels, p50, p95, p99, pick) {
  const ds = (label, data, color) => ({ label, data, backgroundColor: color, borderRadius: 2, barPercentage: 0.9, categoryPercentage: 0.75 });
  return {
    type: 'bar',
    data: { labels, datasets: [ds('p50', p50, '#9ecae9'), ds('p95', p95, '#4e79a7'), ds('p99', p99, '#f28e2b')] },
    options: {
      ...pickOptions(pick, 'index', false),
      indexAxis: 'y',
      interaction: { mode: 'index', intersect: false },
      scales: {
        x: { beginAtZero: true, ticks: { callback: (v) => formatMs(Number(v)) } },
        y: { grid: { display: false }, ticks: { autoSkip: false, callback(value) { return shorten(this.getLabelForValue(value), 28); } } },
      },
      plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: ${formatMs(ctx.raw)}` } } },
    },
  };
}

export function shorten(text, max) {
  const s = String(text);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
