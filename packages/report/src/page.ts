/**
 * The report page: one HTML file, everything inline (no network): the data as JSON, uPlot (the
 * step plot of a register's history) and the page's own script, which draws the heatmap and the
 * timeline on canvases and the register table as HTML.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ReportData } from './report.js';

/** uPlot's script and style: copied beside the bundle at build time (dist/assets), else from node_modules. */
function asset(name: string): string {
  const beside = new URL(`./assets/${name}`, import.meta.url);
  if (existsSync(beside)) return readFileSync(beside, 'utf8');
  return readFileSync(createRequire(import.meta.url).resolve(`uplot/dist/${name}`), 'utf8');
}

/** JSON safe inside <script>: no `</script>`, no `<!--`. */
function scriptJson(data: unknown): string {
  return JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

export function page(data: ReportData): string {
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
  <span class="legend"><i class="r"></i>reads <i class="w"></i>writes <i class="rw"></i>both</span>
  <span class="hint">drag across the map to zoom in time, double-click to zoom out, click a row for its register</span></div>
  <canvas id="heat" height="360"></canvas>
  <canvas id="lane" height="46"></canvas>
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
<script type="application/json" id="data">${scriptJson(data)}</script>
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
    (D.binT.length && D.binT[0] !== null ? ', from ' + fmtT(D.binT[0]) + ' s' : '') + (D.historyCut ? ' — ' + D.historyCut + ' register histories cut (page size cap)' : '');

  // ---- heatmap ----
  const heat = $('heat'), lane = $('lane'), tip = $('tip');
  const sel = $('region');
  D.regions.forEach((r, i) => { const o = document.createElement('option'); o.value = i; o.textContent = r.name + ' (' + r.rows.length + ' rows)'; sel.appendChild(o); });
  let region = 0, x0 = 0, x1 = D.bins, selected = -1;
  const LEFT = 150;
  function size(c) { const w = c.clientWidth; if (c.width !== w) c.width = w; }
  function drawHeat() {
    size(heat); size(lane);
    const g = heat.getContext('2d');
    const R = D.regions[region];
    if (!R) { heat.getContext('2d').fillText('no accesses', LEFT, 20); return; }
    const want = Math.min(Math.max(R.rows.length * 8, 160), 560);
    if (heat.height !== want) heat.height = want;
    const W = heat.width - LEFT, H = heat.height, rows = R.rows.length;
    g.clearRect(0, 0, heat.width, H);
    const rh = H / Math.max(rows, 1), bw = W / Math.max(x1 - x0, 1);
    let max = 1; for (const c of R.cells) max = Math.max(max, c[2] + c[3]);
    const lmax = Math.log(1 + max);
    for (const [row, bin, r, w] of R.cells) {
      if (bin < x0 || bin >= x1) continue;
      const a = 0.25 + 0.75 * Math.log(1 + r + w) / lmax;
      g.fillStyle = r && w ? 'rgba(148,103,189,' + a + ')' : w ? 'rgba(255,127,14,' + a + ')' : 'rgba(31,119,180,' + a + ')';
      g.fillRect(LEFT + (bin - x0) * bw, row * rh, Math.max(bw, 1), Math.max(rh, 1));
    }
    g.fillStyle = '#333'; g.font = '11px monospace'; g.textBaseline = 'middle';
    const every = Math.ceil(12 / rh);
    R.rows.forEach((row, i) => { if (i % every === 0) g.fillText(row.label.slice(0, 20), 2, i * rh + rh / 2); });
    const selRow = R.rows.findIndex((row) => row.regs.includes(selected));
    if (selRow >= 0) { g.strokeStyle = '#d62728'; g.strokeRect(LEFT, selRow * rh, W, Math.max(rh, 1)); }
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
      g.fillRect(LEFT + (bin - x0) * bw, 4 + (Math.max(k, 0) % 4) * 10, 2, 9);
    }
    // time ticks
    g.fillStyle = '#555'; g.font = '10px monospace';
    for (let i = 0; i <= 4; i++) { const b = Math.min(Math.floor(x0 + (x1 - x0) * i / 4), D.bins - 1); const t = D.binT[b]; if (t !== null && t !== undefined) g.fillText(fmtT(t), LEFT + W * i / 4 - (i === 4 ? 80 : 0), H - 4); }
  }
  function cellAt(ev) {
    const rect = heat.getBoundingClientRect();
    const R = D.regions[region] || { rows: [] };
    const x = (ev.clientX - rect.left) * heat.width / rect.width - LEFT, y = (ev.clientY - rect.top) * heat.height / rect.height;
    const bin = Math.floor(x0 + x / ((heat.width - LEFT) / (x1 - x0)));
    const row = Math.floor(y / (heat.height / R.rows.length));
    return { bin, row, x };
  }
  let drag = null;
  heat.addEventListener('mousedown', (ev) => { drag = cellAt(ev); });
  heat.addEventListener('mouseup', (ev) => {
    const end = cellAt(ev);
    if (drag && Math.abs(end.bin - drag.bin) >= 2 && drag.x > 0) { x0 = Math.max(0, Math.min(drag.bin, end.bin)); x1 = Math.min(D.bins, Math.max(drag.bin, end.bin) + 1); drawHeat(); }
    else if (drag && D.regions[region]) { const row = D.regions[region].rows[end.row]; if (row) select(row.regs[0]); }
    drag = null;
  });
  heat.addEventListener('dblclick', () => { x0 = 0; x1 = D.bins; drawHeat(); });
  heat.addEventListener('mousemove', (ev) => {
    const c = cellAt(ev), R = D.regions[region], row = R && R.rows[c.row];
    if (!row || c.x < 0) { tip.hidden = true; return; }
    let r = 0, w = 0; for (const cell of R.cells) if (cell[0] === c.row && cell[1] === c.bin) { r = cell[2]; w = cell[3]; }
    const reg = byId.get(row.regs[0]);
    tip.textContent = (row.regs.length === 1 ? (reg[11] ? reg[11] + ' ' : '') + reg[2] : row.regs.length + ' registers from ' + reg[2]) + '\n' + r + ' reads, ' + w + ' writes' + (D.binT[c.bin] != null ? '\nat ' + fmtT(D.binT[c.bin]) + ' s' : '');
    tip.style.left = ev.clientX + 12 + 'px'; tip.style.top = ev.clientY + 12 + 'px'; tip.hidden = false;
  });
  heat.addEventListener('mouseleave', () => { tip.hidden = true; });
  sel.addEventListener('change', () => { region = +sel.value; x0 = 0; x1 = D.bins; drawHeat(); });

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
  function select(id) {
    selected = id;
    const r = byId.get(id);
    if (r[1] !== region) { region = r[1]; sel.value = String(region); x0 = 0; x1 = D.bins; }
    drawHeat(); drawTable();
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
        { label: 'access', value: (u, v, si, i) => (i == null ? '' : v + (useT ? ' @ ' + fmtT(D.binT[Math.floor(v / D.binWidth)]) + ' s' : '')) },
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
