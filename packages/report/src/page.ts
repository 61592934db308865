/**
 * The report page: one HTML file, everything inline (no network): the data as JSON, uPlot (the
 * step plot of a register's history) and the page's own script, which draws the heatmap and the
 * timeline on canvases and the register table as HTML.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { scriptJson, type ReportData, type ReportStream } from './report.js';

/** uPlot's script and style: copied beside the bundle at build time (dist/assets), else from node_modules. */
function asset(name: string): string {
  const beside = new URL(`./assets/${name}`, import.meta.url);
  if (existsSync(beside)) return readFileSync(beside, 'utf8');
  return readFileSync(createRequire(import.meta.url).resolve(`uplot/dist/${name}`), 'utf8');
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** Where the data goes in the template. */
const DATA_MARK = '\u0000data\u0000';

/** The whole page as one string: for small data (tests); the tool writes pageChunks. */
export function page(data: ReportData): string {
  return [...pageChunks({ ...data, histories: Object.entries(data.histories).map(([k, h]) => [Number(k), h]) })].join('');
}

/** The page in pieces, its data written part by part (no piece holds all registers): join them, or write them as they come. */
export function* pageChunks(st: ReportStream): Generator<string> {
  const html = template(st);
  const at = html.indexOf(DATA_MARK);
  yield html.slice(0, at);
  const { regions, regs, histories, ...head } = st;
  const json = JSON.stringify(head);
  yield scriptJson(head).slice(0, -1) + (json.length > 2 ? ',' : '');
  if ('json' in regions) {
    yield '"regions":[';
    yield* regions.json;
    yield '],';
  } else yield* list('regions', regions, ',');
  yield* list('regs', regs, ',');
  yield '"histories":{';
  let first = true;
  let part = '';
  for (const [id, h] of histories) {
    part += (first ? '' : ',') + `"${id}":` + scriptJson(h);
    first = false;
    if (part.length >= 1 << 16) {
      yield part;
      part = '';
    }
  }
  yield part + '}}';
  yield html.slice(at + DATA_MARK.length);
}

/** `"name":[…]` from the items, in pieces of about 64 KiB. */
function* list(name: string, items: Iterable<unknown>, after: string): Generator<string> {
  let part = `"${name}":[`;
  let first = true;
  for (const it of items) {
    part += (first ? '' : ',') + scriptJson(it);
    first = false;
    if (part.length >= 1 << 16) {
      yield part;
      part = '';
    }
  }
  yield part + ']' + after;
}

function template(data: { title: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>${esc(data.title)} — mmio-report</title>
<style>${asset('uPlot.min.css')}
${STYLE}</style>
</head>
<body>
<header><h1>${esc(data.title)}</h1><p id="summary"></p></header>
<section id="map">
  <div class="bar"><label>Region <select id="region"></select></label>
  <label><input type="checkbox" id="fold" checked> fold runs of registers touched once</label>
  <span class="legend"><i class="r"></i>reads <i class="w"></i>writes <i class="rw"></i>both (darker: more) <i class="sel"></i>the selected register</span>
  <span class="hint">drag across the map to zoom in time, double-click to zoom out, click a row for its register</span></div>
  <div id="heatbox"><canvas id="heat" height="360"></canvas></div>
  <canvas id="lane" height="58"></canvas>
  <div id="tip" hidden></div>
</section>
<section id="detail"><h2 id="dtitle">Click a register for its history</h2><div id="plot"></div><p id="dnote"></p></section>
<section id="table">
  <div class="bar"><input id="filter" placeholder="filter: offset, name or kind" size="40"> <span id="shown"></span></div>
  <div id="tablebox"><table><thead><tr>
    <th data-k="2">offset</th><th data-k="11">register</th><th data-k="3">width</th><th data-k="4">reads</th><th data-k="5">writes</th>
    <th data-k="6">distinct read</th><th data-k="7">distinct written</th><th data-k="8">last read</th><th data-k="9">last written</th><th data-k="10">kind</th><th data-k="1">region</th>
  </tr></thead><tbody id="rows"></tbody></table></div>
</section>
<script type="application/json" id="data">${DATA_MARK}</script>
<script>${asset('uPlot.iife.min.js')}</script>
<script>${CLIENT}</script>
</body>
</html>
`;
}

const STYLE = `
body { font: 13px/1.4 system-ui, sans-serif; margin: 0 16px 32px; color: #222; }
h1 { font-size: 18px; margin: 12px 0 2px; } h2 { font-size: 15px; margin: 8px 0; }
header p { margin: 0 0 8px; color: #555; }
.bar { margin: 6px 0; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
.legend i { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 8px; vertical-align: middle; }
.legend .r { background: #1f77b4; } .legend .w { background: #ff7f0e; } .legend .rw { background: #9467bd; }
.legend .sel { background: none; outline: 2px solid #d62728; outline-offset: -2px; width: 14px; }
#heatbox { max-height: 560px; overflow-y: auto; border: 1px solid #ddd; border-bottom: none; }
#heatbox canvas { border: none; }
.hint { color: #777; }
canvas { display: block; width: 100%; border: 1px solid #ddd; }
#lane { border-top: none; }
#tip { position: fixed; background: #fff; border: 1px solid #999; padding: 4px 6px; pointer-events: none; font: 12px monospace; white-space: pre; z-index: 10; }
#tablebox { max-height: 460px; overflow: auto; border: 1px solid #ddd; }
table { border-collapse: collapse; width: 100%; font: 12px monospace; }
th { text-align: left; cursor: pointer; background: #f3f3f3; position: sticky; top: 0; padding: 3px 6px; user-select: none; }
th.sorted::after { content: " \\25BE"; }
td { padding: 2px 6px; border-bottom: 1px solid #eee; }
tr:hover td { background: #f6f9ff; cursor: pointer; } tr.sel td { background: #e3ecff; }
.k { display: inline-block; padding: 0 4px; margin-right: 3px; border-radius: 3px; background: #eee; }
.k-poll { background: #ffe0b3; } .k-w1c { background: #f8c4c4; } .k-counter { background: #c8e6c9; } .k-latch { background: #d6e4ff; }
.k-volatile { background: #f3d9fa; } .k-constant { background: #e0e0e0; } .k-write-only { background: #fff3b0; }
#detail { min-height: 60px; } #dnote { color: #777; }
`;

/** The page's script: plain browser JavaScript. */
const CLIENT = String.raw`
(function () {
  'use strict';
  const D = JSON.parse(document.getElementById('data').textContent);
  const $ = (id) => document.getElementById(id);
  const regs = D.regs; // [id, region, place, width, reads, writes, dr, dw, lastRead, lastWritten, kinds, name, pollLongest, firstLine]
  const byId = new Map(regs.map((r) => [r[0], r]));
  const fmtT = (t) => (t === null || t === undefined ? '' : t.toFixed(6));
  $('summary').textContent = D.events.toLocaleString() + ' events, ' + D.accesses.toLocaleString() + ' accesses, ' + regs.length.toLocaleString() + ' registers in ' + D.regions.length + ' region' + (D.regions.length === 1 ? '' : 's') +
    (D.binT.length && D.binT[0] !== null ? ', from ' + fmtT(D.binT[0]) + ' s (the time axis counts seconds from there)' : '') + (D.historyCut ? ' — ' + D.historyCut + ' register histories cut (page size cap)' : '');

  // ---- heatmap ----
  const heat = $('heat'), lane = $('lane'), tip = $('tip'), box = $('heatbox');
  const sel = $('region');
  D.regions.forEach((r, i) => { const o = document.createElement('option'); o.value = i; o.textContent = r.name + ' (' + r.rows.length + ' rows)'; sel.appendChild(o); });
  let region = 0, x0 = 0, x1 = D.bins, selected = -1;
  // Time on the axis: seconds from the first access (the absolute time is in the tooltip and the summary).
  const T0 = D.binT.find((t) => t !== null && t !== undefined);
  /** Seconds from the first access, with as many decimals as a span of so many seconds needs (a tooltip: all six). */
  const relT = (t, span) => { const d = t - T0, n = span === undefined ? 6 : Math.max(0, Math.min(6, 2 - Math.floor(Math.log10(Math.max(span, 1e-6))))); return (d === 0 ? '0' : d.toFixed(n)) + ' s'; };
  /** Rows at least ROW_MIN px high, all of them labelled: a region with many scrolls in its box. */
  const ROW_MIN = 12, FIT = 540, FONT = '11px monospace';
  let LEFT = 150;
  const measure = document.createElement('canvas').getContext('2d');
  measure.font = FONT;
  /**
   * The rows shown for a region: its rows, with each run of 3 or more rows of one register touched
   * once folded into one row (unless "fold" is off), and labels made unique (a register at one
   * offset with two widths, two rows of one name: the width, then a number, tells them apart).
   */
  const views = new Map();
  function view(ri) {
    const fold = $('fold').checked;
    const key = ri + ':' + fold;
    if (views.has(key)) return views.get(key);
    const R = D.regions[ri];
    const once = (row) => row.regs.length === 1 && (() => { const g = byId.get(row.regs[0]); return g[4] + g[5] === 1; })();
    const rows = [], of = new Array(R.rows.length);
    for (let i = 0; i < R.rows.length;) {
      let j = i;
      if (fold) while (j < R.rows.length && once(R.rows[j])) j++;
      if (j - i >= 3) {
        const a = byId.get(R.rows[i].regs[0]), b = byId.get(R.rows[j - 1].regs[0]);
        for (let k = i; k < j; k++) of[k] = rows.length;
        rows.push({ regs: R.rows.slice(i, j).map((r) => r.regs[0]), label: a[2] + '–' + b[2] + ' ×' + (j - i), fold: j - i });
        i = j;
      } else {
        of[i] = rows.length;
        // A row shared by neighbours (a region of more than 512 registers): the range it covers.
        const shared = R.rows[i].regs.length > 1 ? byId.get(R.rows[i].regs[0])[2] + '–' + byId.get(R.rows[i].regs[R.rows[i].regs.length - 1])[2] + ' (' + R.rows[i].regs.length + ')' : '';
        rows.push({ regs: R.rows[i].regs, label: shared || R.rows[i].label });
        i++;
      }
    }
    const count = (f) => { const m = new Map(); rows.forEach((r) => { const l = f(r); m.set(l, (m.get(l) || 0) + 1); }); return m; };
    let seen = count((r) => r.label);
    rows.forEach((r) => { if (seen.get(r.label) > 1 && r.regs.length === 1) r.label += ' w' + byId.get(r.regs[0])[3]; });
    seen = count((r) => r.label);
    const nth = new Map();
    rows.forEach((r) => { if (seen.get(r.label) > 1) { const n = (nth.get(r.label) || 0) + 1; nth.set(r.label, n); r.label += ' #' + n; } });
    const cells = new Map();
    for (const [row, bin, r, w] of R.cells) {
      const k = of[row] * D.bins + bin, c = cells.get(k);
      if (c) { c[2] += r; c[3] += w; } else cells.set(k, [of[row], bin, r, w]);
    }
    const v = { rows, cells: [...cells.values()], width: Math.max(0, ...rows.map((r) => measure.measureText(r.label).width)) };
    views.set(key, v);
    return v;
  }
  function size(c) { const w = c.clientWidth; if (c.width !== w) c.width = w; }
  let rh = ROW_MIN;
  function drawHeat() {
    size(heat); size(lane);
    const g = heat.getContext('2d');
    const R = D.regions[region];
    if (!R) { heat.getContext('2d').fillText('no accesses', LEFT, 20); return; }
    const V = view(region), rows = V.rows.length;
    // The margin holds the widest label, and the axis caption under it ('from start').
    LEFT = Math.min(Math.ceil(Math.max(V.width, 70)) + 10, Math.floor(heat.width * 0.4));
    rh = Math.max(ROW_MIN, Math.min(24, FIT / Math.max(rows, 1)));
    const want = Math.ceil(rh * rows);
    if (heat.height !== want) heat.height = want;
    box.style.height = Math.min(want, 560) + 'px';
    const W = heat.width - LEFT, H = heat.height;
    g.clearRect(0, 0, heat.width, H);
    const bw = W / Math.max(x1 - x0, 1);
    let max = 1; for (const c of V.cells) max = Math.max(max, c[2] + c[3]);
    const lmax = Math.log(1 + max);
    // Alternate rows shaded lightly: a row and its label stay together for the eye.
    g.fillStyle = '#f6f6f6';
    for (let i = 1; i < rows; i += 2) g.fillRect(0, i * rh, heat.width, rh);
    for (const [row, bin, r, w] of V.cells) {
      if (bin < x0 || bin >= x1) continue;
      const a = 0.25 + 0.75 * Math.log(1 + r + w) / lmax;
      g.fillStyle = r && w ? 'rgba(148,103,189,' + a + ')' : w ? 'rgba(255,127,14,' + a + ')' : 'rgba(31,119,180,' + a + ')';
      g.fillRect(LEFT + (bin - x0) * bw, row * rh + 1, Math.max(bw, 1), Math.max(rh - 2, 1));
    }
    g.font = FONT; g.textBaseline = 'middle';
    V.rows.forEach((row, i) => {
      g.fillStyle = row.fold ? '#777' : '#333';
      let text = row.label;
      // A label wider than the margin (40% of the map) loses its middle, never its ends.
      while (measure.measureText(text).width > LEFT - 6 && text.length > 8) text = text.slice(0, Math.ceil(text.length / 2) - 2) + '…' + text.slice(Math.ceil(text.length / 2) + 1);
      g.fillText(text, 2, i * rh + rh / 2);
    });
    const selRow = V.rows.findIndex((row) => row.regs.includes(selected));
    if (selRow >= 0) { g.strokeStyle = '#d62728'; g.lineWidth = 2; g.strokeRect(LEFT + 1, selRow * rh + 1, W - 2, rh - 2); g.lineWidth = 1; }
    drawLane();
  }
  const LANE_COLORS = { mark: '#2ca02c', irq: '#d62728', reset: '#000', lost: '#7f7f7f', region: '#1f77b4', mmap: '#17becf', device: '#8c564b', map: '#bcbd22', unmap: '#bcbd22' };
  function drawLane() {
    const g = lane.getContext('2d');
    const W = lane.width - LEFT, H = lane.height;
    g.clearRect(0, 0, lane.width, H);
    g.fillStyle = '#333'; g.font = '11px sans-serif'; g.textBaseline = 'middle';
    g.fillText('timeline', 2, 10);
    const kinds = Object.keys(LANE_COLORS);
    const bw = W / Math.max(x1 - x0, 1);
    for (const e of D.timeline) {
      const bin = e.x / D.binWidth;
      if (bin < x0 || bin > x1) continue;
      const k = kinds.indexOf(e.kind);
      g.fillStyle = LANE_COLORS[e.kind] || '#999';
      g.fillRect(LEFT + (bin - x0) * bw, 4 + (Math.max(k, 0) % 4) * 8, 2, 7);
    }
    // The time axis: seconds from the first access, ticks at the edges of bins (by access number).
    g.strokeStyle = '#999'; g.beginPath(); g.moveTo(LEFT, H - 20.5); g.lineTo(lane.width, H - 20.5); g.stroke();
    g.fillStyle = '#555'; g.font = '10px monospace'; g.textBaseline = 'alphabetic';
    if (T0 !== undefined) g.fillText('from start', 2, H - 6);
    const N = Math.max(2, Math.min(8, Math.floor(W / 110)));
    const tAt = (i) => D.binT[Math.min(Math.floor(x0 + (x1 - x0) * i / N), D.bins - 1)];
    const span = (tAt(N) ?? T0) - (tAt(0) ?? T0);
    for (let i = 0; i <= N; i++) {
      const t = tAt(i);
      const x = LEFT + W * i / N;
      g.fillRect(Math.min(x, lane.width - 1), H - 20, 1, 4);
      if (t === null || t === undefined) continue;
      const text = relT(t, span), tw = g.measureText(text).width;
      g.fillText(text, Math.max(LEFT, Math.min(x - tw / 2, lane.width - tw - 2)), H - 6);
    }
  }
  function cellAt(ev) {
    const rect = heat.getBoundingClientRect();
    const x = (ev.clientX - rect.left) * heat.width / rect.width - LEFT, y = (ev.clientY - rect.top) * heat.height / rect.height;
    const bin = Math.floor(x0 + x / ((heat.width - LEFT) / (x1 - x0)));
    const row = Math.floor(y / rh);
    return { bin, row, x };
  }
  let drag = null;
  heat.addEventListener('mousedown', (ev) => { drag = cellAt(ev); });
  heat.addEventListener('mouseup', (ev) => {
    const end = cellAt(ev);
    if (drag && Math.abs(end.bin - drag.bin) >= 2 && drag.x > 0) { x0 = Math.max(0, Math.min(drag.bin, end.bin)); x1 = Math.min(D.bins, Math.max(drag.bin, end.bin) + 1); drawHeat(); }
    else if (drag && D.regions[region]) { const row = view(region).rows[end.row]; if (row) select(row.regs[0], true); }
    drag = null;
  });
  heat.addEventListener('dblclick', () => { x0 = 0; x1 = D.bins; drawHeat(); });
  heat.addEventListener('mousemove', (ev) => {
    const c = cellAt(ev), V = D.regions[region] && view(region), row = V && V.rows[c.row];
    if (!row || c.x < 0) { tip.hidden = true; return; }
    let r = 0, w = 0; for (const cell of V.cells) if (cell[0] === c.row && cell[1] === c.bin) { r = cell[2]; w = cell[3]; }
    const reg = byId.get(row.regs[0]), last = byId.get(row.regs[row.regs.length - 1]);
    const what = row.fold ? row.fold + ' registers touched once, ' + reg[2] + '–' + last[2] : row.regs.length === 1 ? (reg[11] ? reg[11] + ' ' : '') + reg[2] + ' (' + reg[3] + ' bytes)' : row.regs.length + ' registers from ' + reg[2];
    const t = D.binT[c.bin];
    tip.textContent = what + '\n' + r + ' reads, ' + w + ' writes' + (t != null ? '\nat ' + relT(t) + ' (' + fmtT(t) + ')' : '');
    tip.style.left = ev.clientX + 12 + 'px'; tip.style.top = ev.clientY + 12 + 'px'; tip.hidden = false;
  });
  heat.addEventListener('mouseleave', () => { tip.hidden = true; });
  sel.addEventListener('change', () => { region = +sel.value; x0 = 0; x1 = D.bins; drawHeat(); });
  $('fold').addEventListener('change', () => drawHeat());

  // ---- table ----
  let sortKey = 4, sortDesc = true, filter = '';
  const kindHtml = (ks) => ks.map((k) => '<span class="k k-' + D.kinds[k] + '">' + D.kinds[k] + '</span>').join('');
  const LIMIT = 500;
  function drawTable() {
    const f = filter.toLowerCase();
    let list = regs;
    if (f) list = list.filter((r) => r[2].includes(f) || r[11].toLowerCase().includes(f) || r[10].some((k) => D.kinds[k].includes(f)) || D.regions[r[1]].name.toLowerCase().includes(f));
    const sk = sortKey;
    list = list.slice().sort((a, b) => {
      const va = sk === 2 ? parseInt(a[2], 16) : sk === 10 ? a[10].length : a[sk], vb = sk === 2 ? parseInt(b[2], 16) : sk === 10 ? b[10].length : b[sk];
      return (va < vb ? -1 : va > vb ? 1 : 0) * (sortDesc ? -1 : 1);
    });
    const html = [];
    for (const r of list.slice(0, LIMIT)) html.push('<tr data-id="' + r[0] + '"' + (r[0] === selected ? ' class="sel"' : '') + '><td>' + r[2] + '</td><td>' + esc(r[11]) + '</td><td>' + r[3] + '</td><td>' + r[4] + '</td><td>' + r[5] + '</td><td>' + r[6] + '</td><td>' + r[7] + '</td><td>' + r[8] + '</td><td>' + r[9] + '</td><td>' + kindHtml(r[10]) + (r[12] ? ' ×' + r[12] : '') + '</td><td>' + esc(D.regions[r[1]].name) + '</td></tr>');
    $('rows').innerHTML = html.join('');
    $('shown').textContent = list.length > LIMIT ? 'showing ' + LIMIT + ' of ' + list.length + ' registers (filter or sort to see others)' : list.length + ' register' + (list.length === 1 ? '' : 's');
    document.querySelectorAll('th').forEach((th) => th.classList.toggle('sorted', +th.dataset.k === sortKey));
  }
  function esc(s) { return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]); }
  document.querySelectorAll('th').forEach((th) => th.addEventListener('click', () => { const k = +th.dataset.k; if (k === sortKey) sortDesc = !sortDesc; else { sortKey = k; sortDesc = k >= 3 && k <= 7; } drawTable(); }));
  $('filter').addEventListener('input', (e) => { filter = e.target.value; drawTable(); });
  $('rows').addEventListener('click', (e) => { const tr = e.target.closest('tr'); if (tr) select(+tr.dataset.id); });

  // ---- a register's history ----
  let plot = null;
  function select(id, fromMap) {
    selected = id;
    const r = byId.get(id);
    if (r[1] !== region) { region = r[1]; sel.value = String(region); x0 = 0; x1 = D.bins; }
    drawHeat(); drawTable();
    // Chosen in the table: its row of the map scrolls into view.
    const at = fromMap ? -1 : view(region).rows.findIndex((row) => row.regs.includes(id));
    if (at >= 0 && (at * rh < box.scrollTop || (at + 1) * rh > box.scrollTop + box.clientHeight)) box.scrollTop = Math.max(0, at * rh - box.clientHeight / 2);
    const h = D.histories[id] || { points: [], cut: false };
    $('dtitle').textContent = (r[11] ? r[11] + ' — ' : '') + D.regions[r[1]].name + ' ' + r[2] + ' (' + r[3] + ' bytes): ' + r[4] + ' reads, ' + r[5] + ' writes' + (r[10].length ? ' — ' + r[10].map((k) => D.kinds[k]).join(', ') : '');
    const pts = h.points;
    const useT = pts.length > 0 && pts.every((p) => D.binT[Math.floor(p[0] / D.binWidth)] != null);
    const xs = pts.map((p) => p[0]);
    const val = (p) => Number(BigInt(p[1]));
    const reads = pts.map((p) => (p[2] ? null : val(p)));
    const writes = pts.map((p) => (p[2] ? val(p) : null));
    const all = pts.map(val);
    const folded = pts.reduce((n, p) => n + (p[3] > 1 ? 1 : 0), 0);
    $('dnote').textContent = pts.length + ' points' + (folded ? ', ' + folded + (folded === 1 ? ' run' : ' runs') + ' of identical reads folded (×N in the legend)' : '') + (h.cut ? '; history cut at ' + pts.length + ' points' : '') + '. x: access number' + (useT ? ' (time in the legend)' : '') + '.';
    if (plot) { plot.destroy(); plot = null; }
    if (!pts.length) return;
    const pointAt = (i) => pts[i];
    const opts = {
      width: Math.max($('detail').clientWidth - 10, 300), height: 220,
      scales: { x: { time: false } },
      axes: [{ label: 'access' }, { size: 90, values: (u, ticks) => ticks.map((v) => '0x' + Math.round(v).toString(16)) }],
      series: [
        { label: 'access', value: (u, v, si, i) => (i == null ? '' : v + (useT ? ' @ ' + relT(D.binT[Math.floor(v / D.binWidth)]) + ' (' + fmtT(D.binT[Math.floor(v / D.binWidth)]) + ')' : '')) },
        { label: 'value', stroke: '#555', paths: uPlot.paths.stepped({ align: 1 }), points: { show: false }, value: (u, v, si, i) => { if (i == null) return ''; const p = pointAt(i); return p[1] + (p[3] > 1 ? ' ×' + p[3] : '') + (p[4] ? '  ' + p[4] : ''); } },
        { label: 'read', stroke: '#1f77b4', paths: () => null, points: { show: true, size: 6, fill: '#1f77b4' } },
        { label: 'write', stroke: '#ff7f0e', paths: () => null, points: { show: true, size: 6, fill: '#ff7f0e' } },
      ],
    };
    plot = new uPlot(opts, [xs, all, reads, writes], $('plot'));
  }

  window.addEventListener('resize', () => { drawHeat(); });
  drawHeat(); drawTable();
  // The register most accessed is shown at once.
  const top = regs.reduce((b, r) => (!b || r[4] + r[5] > b[4] + b[5] ? r : b), null);
  if (top) select(top[0]);
  document.body.dataset.ready = '1';
})();
`;
