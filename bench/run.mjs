#!/usr/bin/env node
// @ts-check
/**
 * npm run bench — times mmio-parse, parse | filter and parse | filter | replay against an awk
 * baseline (bench/baseline.awk) on a generated 2M-line VFIO trace and on the real 1.5M-line
 * QEMU trace of ../shared/fixtures/real/e1000-probe, and writes the table to docs/performance.md.
 * It also times the floor (bench/floor): the same three jobs (the parse on both traces) written with
 * nothing but the least work a Node program must do, to show what Node can reach on this machine.
 *
 * It also times mmio-annotate with envytools' NVIDIA database (../shared/fixtures/envytools-rnndb):
 * the database's load, and events/s over the G80 sweep, against mmio-filter on the same input
 * (and envytools' demmio when DEMMIO names it or it is on PATH).
 *
 *   node bench/run.mjs [--runs N] [--no-write] [--skip-4x] [--envytools-only]
 *
 * Each command runs N times (default 5), the commands of a table taking turns; the median is reported. Peak RSS of every
 * process comes from GNU time (/usr/bin/time -f %M). Inputs are made once in .bench/ (ignored by git).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, createReadStream, createWriteStream, rmSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { cpus, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeTrace } from './gen-trace.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const WORK = join(ROOT, '.bench');
const BIN = join(ROOT, 'node_modules', '.bin');
const TIME = '/usr/bin/time';
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : Number(args[i + 1]);
};
const RUNS = opt('--runs', 5);
const WRITE = !args.includes('--no-write');
const SKIP4X = args.includes('--skip-4x');
/** Only the envytools part (mmio-annotate with the NVIDIA database): a quick run. */
const ENVY_ONLY = args.includes('--envytools-only');
const log = (...a) => process.stderr.write(a.join(' ') + '\n');

if (!existsSync(join(BIN, 'mmio-parse'))) {
  log('mmio-parse is not built: run npm install first');
  process.exit(1);
}
const haveTime = spawnSync(TIME, ['-f', '%M', 'true'], { stdio: 'ignore' }).status === 0;
if (!haveTime) log('note: GNU time (/usr/bin/time) is missing, peak RSS will not be reported');
mkdirSync(WORK, { recursive: true });

/** Make an input once. */
async function input(name, make) {
  const path = join(WORK, name);
  if (!existsSync(path)) {
    log(`making ${path}`);
    await make(path + '.part');
    execFileSync('mv', [path + '.part', path]);
  }
  return path;
}

const sh = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Run a pipeline of stages (argument lists) once, stdout of the last to /dev/null: wall s, and per stage [peak RSS KiB, CPU s]. */
function runOnce(stages) {
  const files = stages.map((_, i) => join(WORK, `rss.${i}`));
  const cmd = stages.map((argv, i) => (haveTime ? `${TIME} -f '%M %U %S' -o ${files[i]} ` : '') + argv.map(sh).join(' ')).join(' | ');
  const t0 = process.hrtime.bigint();
  const res = spawnSync('bash', ['-c', `set -o pipefail; ${cmd} > /dev/null`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (res.status !== 0) throw new Error(`failed (${res.status}): ${cmd}\n${res.stderr}`);
  const stats = haveTime ? files.map((f) => readFileSync(f, 'utf8').trim().split('\n').pop().split(' ').map(Number)).map(([kib, user, sys]) => [kib, user + sys]) : undefined;
  return { wall, stats };
}

/**
 * Time several pipelines `runs` times each, taking turns (run 1 of each, then run 2 of each, ...),
 * so that a slow spell of a shared machine does not fall on one command only. Returns for each the
 * median wall time in seconds, the largest peak RSS (KiB) of each stage and the median CPU time
 * (user + system, seconds, all threads) of each stage.
 */
function timeAll(pipelines, runs = RUNS) {
  const got = pipelines.map(() => /** @type {ReturnType<typeof runOnce>[]} */ ([]));
  for (let r = 0; r < runs; r++) pipelines.forEach((stages, i) => got[i].push(runOnce(stages)));
  return got.map((rs, i) => ({
    wall: median(rs.map((x) => x.wall)),
    rss: haveTime ? pipelines[i].map((_, s) => Math.max(...rs.map((x) => x.stats[s][0]))) : undefined,
    cpu: haveTime ? pipelines[i].map((_, s) => median(rs.map((x) => x.stats[s][1]))) : undefined,
  }));
}

/** One pipeline, timed alone. */
const time = (stages, runs = RUNS) => timeAll([stages], runs)[0];

const parse = (file, ...a) => [join(BIN, 'mmio-parse'), ...a, file];
const oneProcess = (file, out, ...sel) => [join(BIN, 'mmio-replay'), ...sel, '--type', 'write', '-o', out, file];
/** The seed's C++ qmap (sonals/macbookpro14-3 src/, built by the user): QMAP=path, or qmap on PATH. */
const QMAP = process.env.QMAP || (spawnSync('sh', ['-c', 'command -v qmap'], { encoding: 'utf8' }).stdout.trim() || undefined);
if (!QMAP) log('note: qmap is not on PATH and QMAP is not set: the qmap reference is left out (build it from sonals/macbookpro14-3 src/ with cmake -DCMAKE_BUILD_TYPE=Release src && make)');
const filter = (...a) => [join(BIN, 'mmio-filter'), ...a];
const replayTo = (out) => [join(BIN, 'mmio-replay'), '-o', out];
const floorStage = (script, ...a) => [process.execPath, join(ROOT, 'bench', 'floor', script), ...a];
const countEvents = (file) => Number(execFileSync('sh', ['-c', `${sh(join(BIN, 'mmio-parse'))} ${sh(file)} | ${sh(join(BIN, 'mmio-filter'))} --type read,write --count`]).toString().trim());

const fixtureGz = resolve(ROOT, '..', 'shared', 'fixtures', 'real', 'e1000-probe', 'qemu-memory-ops.log.gz');
const gen = ENVY_ONLY ? '' : await input('vfio-2M.log', (p) => writeTrace(p, { lines: 2_000_000 }));
const real = !ENVY_ONLY && existsSync(fixtureGz) ? await input('e1000-memops.log', (p) => pipeline(createReadStream(fixtureGz), createGunzip(), createWriteStream(p))) : undefined;
if (!real) log(`note: ${fixtureGz} not found; the real trace is left out`);

const image = join(tmpdir(), `mmio-bench-${process.pid}.bin`);
const image2 = join(tmpdir(), `mmio-bench-${process.pid}-one.bin`);
const traces = ENVY_ONLY ? [] : [
  { name: 'generated VFIO, 2M lines', file: gen, filterArgs: ['--dev', '0000:03:00.0', '--region', '2'], floor: ['0000:03:00.0', '2'], qmap: true },
  ...(real ? [{ name: 'real e1000 QEMU memory ops, 1.5M lines', file: real, filterArgs: ['--name', 'e1000-mmio'] }] : []),
];

const rows = [];
const fmtRss = (r) => (r ? r.map((k) => (k / 1024).toFixed(0)).join(' / ') : 'n/a');
const fmtCpu = (c) => (c ? c.map((x) => x.toFixed(2)).join(' + ') : 'n/a');
for (const tr of traces) {
  const bytes = statSync(tr.file).size;
  const lines = Number(execFileSync('wc', ['-l', tr.file]).toString().trim().split(' ')[0]);
  const events = countEvents(tr.file);
  log(`${tr.name}: ${lines} lines, ${events} access events, ${(bytes / 1e6).toFixed(0)} MB`);
  const named = [
    ['awk -f bench/baseline.awk', [['awk', '-f', join(ROOT, 'bench', 'baseline.awk'), tr.file]]],
    ['mmio-parse', [parse(tr.file)]],
    ['mmio-parse --jobs 2', [parse(tr.file, '--jobs', '2')]],
    [`mmio-parse | mmio-filter ${tr.filterArgs.join(' ')}`, [parse(tr.file), filter(...tr.filterArgs)]],
    ['mmio-parse | mmio-filter | mmio-replay', [parse(tr.file), filter(...tr.filterArgs, '--type', 'write'), replayTo(image)]],
    ['mmio-parse --jobs 2 | mmio-filter | mmio-replay', [parse(tr.file, '--jobs', '2'), filter(...tr.filterArgs, '--type', 'write'), replayTo(image)]],
    [`mmio-replay ${tr.filterArgs.join(' ')} --type write -o IMAGE (one process)`, [oneProcess(tr.file, image2, ...tr.filterArgs)]],
    ...(tr.qmap && QMAP ? [['qmap (seed C++, stdout to /dev/null)', [[QMAP, tr.file, join(WORK, 'qmap.bin')]]]] : []),
    // The floor: the same jobs done with nothing but the least work (bench/floor); the parse on both traces, the rest for the VFIO trace.
    ['floor: bench/floor/parse.mjs', [floorStage('parse.mjs', tr.file)]],
    ...(tr.floor
      ? [
          ['floor: parse.mjs | filter.mjs | replay.mjs', [floorStage('parse.mjs', tr.file), floorStage('filter.mjs', ...tr.floor), floorStage('replay.mjs', image)]],
          // The filter's floor when it checks every line it reads, as mmio-filter must (see filter.mjs).
          ['floor: parse.mjs | filter.mjs --check | replay.mjs', [floorStage('parse.mjs', tr.file), floorStage('filter.mjs', ...tr.floor, '--check'), floorStage('replay.mjs', image)]],
          ['floor: replay.mjs IMAGE DEV N trace (one process)', [floorStage('replay.mjs', join(WORK, 'floor-one.bin'), ...tr.floor, tr.file)]],
        ]
      : []),
  ];
  const results = timeAll(named.map(([, stages]) => stages));
  const cases = named.map(([what], i) => [what, results[i]]);
  const awk = results[0];
  // The one-process image and the pipeline's are the same bytes.
  tr.sameImage = execFileSync('sh', ['-c', `cmp ${sh(image)} ${sh(image2)} && echo same || echo DIFFERENT`]).toString().trim();
  log(`  images of the pipeline and the one-process form: ${tr.sameImage}`);
  const qm = named.findIndex(([what]) => what.startsWith('qmap'));
  if (qm !== -1) tr.qmapWall = results[qm].wall;
  for (const [what, r] of cases) {
    rows.push({ trace: tr.name, what, wall: r.wall, mbps: bytes / 1e6 / r.wall, eps: events / r.wall, rss: fmtRss(r.rss), cpu: fmtCpu(r.cpu), cpuSum: r.cpu?.reduce((a, b) => a + b, 0), events, ratio: r.wall / awk.wall, qmap: tr.qmapWall ? r.wall / tr.qmapWall : undefined });
    log(`  ${what}: ${r.wall.toFixed(2)} s, ${(events / r.wall / 1e6).toFixed(2)} M events/s, CPU ${fmtCpu(r.cpu)} s, RSS ${fmtRss(r.rss)} MB, ${(r.wall / awk.wall).toFixed(2)}× awk`);
  }
}

// Memory against trace size: the same pipeline on a trace 4 times as long (one run).
const scale = [];
if (!SKIP4X && !ENVY_ONLY) {
  const gen4 = await input('vfio-8M.log', (p) => writeTrace(p, { lines: 8_000_000 }));
  for (const [name, file] of [['1× (2M lines)', gen], ['4× (8M lines)', gen4]]) {
    const r = time([parse(file), filter('--dev', '0000:03:00.0', '--region', '2', '--type', 'write'), replayTo(image)], 1);
    const one = time([oneProcess(file, image2, '--dev', '0000:03:00.0', '--region', '2')], 1);
    scale.push({ name, wall: r.wall, rss: fmtRss(r.rss), oneWall: one.wall, oneRss: fmtRss(one.rss) });
    log(`  ${name}: ${r.wall.toFixed(2)} s, RSS ${fmtRss(r.rss)} MB; one process ${one.wall.toFixed(2)} s, RSS ${fmtRss(one.rss)} MB`);
  }
}

// gzip: parsing the compressed fixture costs the plain parse plus the decompression.
let gz;
if (real && !ENVY_ONLY) {
  const [plain, packed, zcat] = timeAll([[parse(real)], [parse(fixtureGz)], [['gzip', '-dc', fixtureGz]]]).map((r) => r.wall);
  gz = { plain, packed, zcat };
  log(`  gzip: plain ${plain.toFixed(2)} s, .gz ${packed.toFixed(2)} s, gzip -dc alone ${zcat.toFixed(2)} s`);
}

// mmio-annotate with envytools' whole NVIDIA database.
let envy;
const ENVY = join(ROOT, '..', 'shared', 'fixtures', 'envytools-rnndb');
if (existsSync(join(ENVY, 'expected', 'g80-vfio.log.gz'))) {
  const rnnPath = `${join(ENVY, 'generated')}:${join(ENVY, 'rnndb')}`;
  const annotate = (...a) => [join(BIN, 'mmio-annotate'), '--rnn-path', rnnPath, '--regs', 'nv_mmio.xml', '--domain', 'NV_MMIO', ...a];
  // The sweep's BAR0 accesses 30 times over (997k events): once as they are (each register comes
  // back with the values it had: a driver's reads), once with every value drawn at random (nothing repeats).
  const sweep = await input('g80-bar0.ndjson', (p) => execFileSync('sh', ['-c', `${sh(join(BIN, 'mmio-parse'))} ${sh(join(ENVY, 'expected', 'g80-vfio.log.gz'))} | ${sh(join(BIN, 'mmio-filter'))} --region 0 > ${sh(p)}`]));
  const body = readFileSync(sweep, 'utf8');
  const x30 = await input('g80-x30.ndjson', (p) => writeFileSync(p, body.repeat(30)));
  const rand = await input('g80-x30-random.ndjson', (p) => {
    let seed = 7;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    let out = body;
    for (let k = 1; k < 30; k++) out += body.replace(/"value":"0x[0-9a-f]+"/g, () => `"value":"0x${next().toString(16)}"`);
    writeFileSync(p, out);
  });
  const events = body.split('\n').length - 1;
  const empty = join(WORK, 'empty.ndjson');
  writeFileSync(empty, '');
  const DEMMIO = process.env.DEMMIO || (spawnSync('sh', ['-c', 'command -v demmio'], { encoding: 'utf8' }).stdout.trim() || undefined);
  const mmiotrace = DEMMIO ? await input('g80.mmiotrace', (p) => execFileSync('sh', ['-c', `${sh(join(BIN, 'mmio-parse'))} ${sh(join(ENVY, 'expected', 'g80-vfio.log.gz'))} | ${sh(join(BIN, 'mmio-format'))} --to mmiotrace > ${sh(p)} 2>/dev/null`])) : undefined;
  const named = [
    ['mmio-annotate --regs examples/bcm43602/regs.json (empty input: start-up and a small map)', [[join(BIN, 'mmio-annotate'), '--regs', join(ROOT, 'examples', 'bcm43602', 'regs.json'), empty]]],
    ['mmio-annotate --regs nv_mmio.xml (empty input: start-up and the whole database)', [annotate(empty)]],
    ['mmio-filter (the same 997k events read and written, the reference)', [filter(x30)]],
    ['mmio-annotate --regs nv_mmio.xml, the sweep ×30 (values as they are)', [annotate(x30)]],
    ['mmio-annotate --regs nv_mmio.xml, the sweep ×30 (random values)', [annotate(rand)]],
    ...(DEMMIO ? [['envytools demmio -c (the sweep once, as mmiotrace)', [['env', `RNN_PATH=${rnnPath}`, DEMMIO, '-c', '-f', mmiotrace]]]] : []),
  ];
  const r = timeAll(named.map(([, st]) => st));
  envy = { rows: named.map(([what], i) => ({ what, wall: r[i].wall, rss: fmtRss(r[i].rss) })), load: r[1].wall - r[0].wall, events: events * 30, once: events };
  for (const row of envy.rows) log(`  ${row.what}: ${row.wall.toFixed(2)} s, RSS ${row.rss} MB`);
  log(`  database load: ${envy.load.toFixed(3)} s; annotate ${Math.round(envy.events / (r[3].wall - r[1].wall)).toLocaleString('en-US')} events/s (${Math.round(envy.events / r[3].wall).toLocaleString('en-US')} with start-up), random values ${Math.round(envy.events / (r[4].wall - r[1].wall)).toLocaleString('en-US')}`);
  envy.eps = envy.events / (r[3].wall - r[1].wall);
  envy.epsRandom = envy.events / (r[4].wall - r[1].wall);
  envy.filterEps = envy.events / r[2].wall;
  if (DEMMIO) envy.demmio = r[5].wall;
}

// mmio-replay memory follows the bytes touched, not the address span.
const sparse = [];
for (const [name, gap, width] of [
  ['dense: 1 MiB of writes in a 1 MiB span', 0, 4],
  ['spread: the same writes, 1 KiB every 64 MiB (64 GiB span)', 64 * 2 ** 20, 4],
  // Issue 27, item 16: memory follows the bytes touched, not the pages (8 KiB a page before).
  ['scattered: 131,072 one-byte writes, 64 KiB apart (8 GiB span)', -1, 1],
]) {
  const nd = join(WORK, `replay-${gap}.ndjson`);
  const out = createWriteStream(nd);
  for (let c = 0; c < 1024; c++) {
    let block = '';
    for (let w = 0; w < (gap < 0 ? 128 : 256); w++) {
      const off = gap < 0 ? (c * 128 + w) * 65536 : (gap ? c * gap : c * 1024) + w * 4;
      block += `{"type":"write","region":2,"offset":"0x${off.toString(16)}","width":${width},"value":"0x${((c * 256 + w) & (width === 1 ? 255 : 0xffffffff)).toString(16)}"}\n`;
    }
    out.write(block);
  }
  out.end();
  await new Promise((r) => out.on('finish', r));
  const r = time([[join(BIN, 'mmio-replay'), '-o', image, nd]], 1);
  sparse.push({ name, wall: r.wall, rss: fmtRss(r.rss), size: statSync(image).size, disk: statSync(image).blocks * 512 });
  log(`  ${name}: RSS ${fmtRss(r.rss)} MB, image ${statSync(image).size} bytes, ${statSync(image).blocks * 512} on disk`);
}
rmSync(image, { force: true });
rmSync(image2, { force: true });

// mmio-extract nvram memory against the image (issue 27.15): 64 MB of `a=b\0`, 16M entries in one run.
// Self-contained: its own image, removed after; figures in nvramMem.
let nvramMem;
if (!ENVY_ONLY) {
  const img = join(WORK, 'nvram-ab-64M.bin');
  writeFileSync(img, Buffer.alloc(64 << 20, 'a=b\0'));
  const extract = join(BIN, 'mmio-extract');
  const [idle, text, json] = timeAll([[[extract, '--version']], [[extract, 'nvram', img]], [[extract, 'nvram', '--json', img]]], 1);
  const over = (r) => (r.rss ? (r.rss[0] - idle.rss[0]) / (64 << 10) : undefined);
  nvramMem = { text, json, idle, overText: over(text), overJson: over(json) };
  log(`  mmio-extract nvram, 64 MB of a=b: ${text.wall.toFixed(2)} s, RSS ${fmtRss(text.rss)} MB (${nvramMem.overText?.toFixed(2)}× the image above start-up); --json ${json.wall.toFixed(2)} s, RSS ${fmtRss(json.rss)} MB (${nvramMem.overJson?.toFixed(2)}×)`);
  rmSync(img, { force: true });
}

// mmio-model learn against mmio-regs on the real 1.5M-line memory-ops trace (issue 23: at most 2×).
// Self-contained: the same selection for both, the model written to a temporary file, removed after.
let modelCost;
if (real && !ENVY_ONLY) {
  const model = join(tmpdir(), `mmio-bench-${process.pid}-model.json`);
  const regsBin = join(ROOT, 'packages', 'regs', 'bin', 'mmio-regs.js');
  const modelBin = join(ROOT, 'packages', 'model', 'bin', 'mmio-model.js');
  const [regs, learn] = timeAll([[[process.execPath, regsBin, '--name', 'e1000-mmio', real]], [[process.execPath, modelBin, 'learn', '-q', '--name', 'e1000-mmio', real, '-o', model]]]);
  modelCost = { regs, learn, ratio: learn.wall / regs.wall };
  log(`  mmio-model learn --name e1000-mmio: ${learn.wall.toFixed(2)} s, RSS ${fmtRss(learn.rss)} MB; mmio-regs: ${regs.wall.toFixed(2)} s, RSS ${fmtRss(regs.rss)} MB; ${modelCost.ratio.toFixed(2)}× (target: at most 2×)`);
  rmSync(model, { force: true });
}

// Bytes per register of mmio-regs and mmio-report (issue 27.14): 1M and 2M registers, each written and
// read once, with line and time. Self-contained: its own inputs in .bench/, figures in regsMem.
let regsMem;
if (!ENVY_ONLY) {
  const registers = (n) => input(`regs-${n / 1e6}M.ndjson`, async (p) => {
    const out = createWriteStream(p);
    for (let k = 0; k < n; k += 1000) {
      let block = '';
      for (let i = k; i < k + 1000; i++) {
        const off = `0x${(i * 4).toString(16)}`;
        block += `{"type":"write","dev":"0000:03:00.0","region":2,"offset":"${off}","width":4,"value":"0x${i.toString(16)}","t":${(1000 + i / 1e6).toFixed(6)},"line":${2 * i + 1}}\n`;
        block += `{"type":"read","dev":"0000:03:00.0","region":2,"offset":"${off}","width":4,"value":"0x${i.toString(16)}","t":${(1000 + i / 1e6 + 5e-7).toFixed(7)},"line":${2 * i + 2}}\n`;
      }
      if (!out.write(block)) await new Promise((r) => out.once('drain', r));
    }
    out.end();
    await new Promise((r) => out.on('finish', r));
  });
  const one = await registers(1_000_000);
  const two = await registers(2_000_000);
  const html = join(tmpdir(), `mmio-bench-${process.pid}.html`);
  const [idle, regs1, regs2, rep1, rep2] = timeAll([[[join(BIN, 'mmio-regs'), '--version']], [[join(BIN, 'mmio-regs'), one]], [[join(BIN, 'mmio-regs'), two]], [[join(BIN, 'mmio-report'), '-o', html, one]], [[join(BIN, 'mmio-report'), '-o', html, two]]], 1);
  rmSync(html, { force: true });
  const per = (a, b, n) => (a.rss && b.rss ? ((b.rss[0] - a.rss[0]) * 1024) / n : undefined);
  regsMem = { idle, regs1, regs2, rep1, rep2, regs: per(idle, regs1, 1e6), regsMarginal: per(regs1, regs2, 1e6), report: per(idle, rep1, 1e6), reportMarginal: per(rep1, rep2, 1e6) };
  // What the inventory keeps of 1M registers after a full garbage collection (heap and typed arrays; no slack).
  const live = join(tmpdir(), `mmio-bench-live-${process.pid}.mjs`);
  writeFileSync(live, `import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
const { Inventory } = await import(${JSON.stringify(join(ROOT, 'packages/regs/dist/index.js'))});
gc(); gc();
const m0 = process.memoryUsage();
const inv = new Inventory();
for await (const line of createInterface({ input: createReadStream(${JSON.stringify(one)}) })) inv.add(JSON.parse(line));
gc(); gc();
const m1 = process.memoryUsage();
console.log((m1.heapUsed + m1.external - m0.heapUsed - m0.external) / inv.size);
`);
  regsMem.kept = Number(execFileSync(process.execPath, ['--expose-gc', live]).toString().trim());
  rmSync(live, { force: true });
  log(`  bytes per register: mmio-regs ${regsMem.regs?.toFixed(0)} (1M over start-up), ${regsMem.regsMarginal?.toFixed(0)} (2M less 1M), ${regsMem.kept.toFixed(0)} kept after a full GC; mmio-report ${regsMem.report?.toFixed(0)}, ${regsMem.reportMarginal?.toFixed(0)}`);
}

// Start-up: --version of every tool against bare node, the same number of runs each, taking turns.
const TOOLS = ['mmio-parse', 'mmio-filter', 'mmio-replay', 'mmio-extract', 'mmio-format', 'mmio-annotate', 'mmio-diff'];
const startup = timeAll([[[process.execPath, '-e', '']], ...TOOLS.map((t) => [[join(BIN, t), '--version']])], Math.max(RUNS, 9)).map((r) => r.wall);
const startupHelp = time([[join(BIN, 'mmio-replay'), '--help']], Math.max(RUNS, 9)).wall;
log(`  start-up: node -e '' ${startup[0].toFixed(3)} s; --version ${startup.slice(1).map((x) => x.toFixed(3)).join(' ')} s; mmio-replay --help ${startupHelp.toFixed(3)} s`);

if (WRITE) {
  const node = process.version;
  const cpu = cpus();
  const awkName = execFileSync('sh', ['-c', 'readlink -f "$(command -v awk)"']).toString().trim();
  const md = [];
  md.push('## Figures', '');
  md.push(`Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpu.length} cores (${cpu[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${node}, awk = ${awkName}. Median of ${RUNS} runs. CPU is user + system time of each process in pipeline order (all its threads), RSS the peak of each process, in MB.`, '');
  md.push('| trace | command | wall s | MB/s | access events/s | CPU s | peak RSS MB | time / awk | time / qmap |', '|---|---|---:|---:|---:|---|---|---:|---:|');
  for (const r of rows) md.push(`| ${r.trace} | \`${r.what.replace(/\|/g, "\\|")}\` | ${r.wall.toFixed(2)} | ${r.mbps.toFixed(0)} | ${Math.round(r.eps).toLocaleString('en-US')} | ${r.cpu} | ${r.rss} | ${r.ratio.toFixed(2)} | ${r.qmap === undefined ? '' : r.qmap.toFixed(2)} |`);
  md.push('', ...traces.map((t) => `Images of \`mmio-parse | mmio-filter | mmio-replay\` and of the one-process \`mmio-replay\`, ${t.name}: ${t.sameImage}.`));
  if (!QMAP) md.push('', 'qmap was not on PATH (nor QMAP set) for this run: no qmap figures.');
  // The bound the CPU time puts on a pipeline: its stages cannot run faster than the cores can do their work.
  for (const r of rows.filter((x) => /replay(\.mjs)?$/.test(x.what) && x.cpuSum)) {
    md.push('', `CPU bound, ${r.trace}, \`${r.what}\`: the three stages need ${r.cpuSum.toFixed(2)} s of CPU for ${r.events.toLocaleString('en-US')} access events, so on ${cpu.length} cores the pipeline cannot pass ${Math.round((r.events * cpu.length) / r.cpuSum).toLocaleString('en-US')} events/s however it is scheduled; it reached ${Math.round(r.eps).toLocaleString('en-US')}.`);
  }
  if (scale.length) {
    md.push('', 'Memory against trace length (one run each):', '', '| trace | pipeline wall s | pipeline peak RSS MB | one process wall s | one process peak RSS MB |', '|---|---:|---|---:|---|');
    for (const s of scale) md.push(`| ${s.name} | ${s.wall.toFixed(2)} | ${s.rss} | ${s.oneWall.toFixed(2)} | ${s.oneRss} |`);
  }
  if (gz) md.push('', `gzip input (real trace): plain ${gz.plain.toFixed(2)} s, gzip-compressed ${gz.packed.toFixed(2)} s, \`gzip -dc\` alone ${gz.zcat.toFixed(2)} s — the compressed file costs ${(gz.packed - gz.plain).toFixed(2)} s more, against ${gz.zcat.toFixed(2)} s for the decompression itself.`);
  md.push('', `Start-up (median of ${Math.max(RUNS, 9)} runs): \`node -e ''\` ${startup[0].toFixed(3)} s; \`--version\` of ${TOOLS.join(', ')}: ${startup.slice(1).map((x) => x.toFixed(3)).join(', ')} s, at most ${(Math.max(...startup.slice(1)) / startup[0]).toFixed(2)}× node; \`mmio-replay --help\` (loads the whole tool) ${startupHelp.toFixed(3)} s, ${(startupHelp / startup[0]).toFixed(2)}× node.`);
  md.push('', '`mmio-replay` memory (262,144 writes of 4 bytes, and 131,072 of one byte):', '', '| writes | peak RSS MB | image size | on disk |', '|---|---|---:|---:|');
  for (const s of sparse) md.push(`| ${s.name} | ${s.rss} | ${s.size.toLocaleString('en-US')} | ${s.disk.toLocaleString('en-US')} |`);
  if (regsMem) {
    md.push('', 'Bytes per register (issue 27.14; each register written and read once, with `t` and `line`; one run each; the target is at most 300):', '', '| tool | 1M registers: wall s, peak RSS MB | 2M registers: wall s, peak RSS MB | bytes per register (1M, over start-up) | bytes per register (2M less 1M) |', '|---|---|---|---:|---:|');
    md.push(`| mmio-regs | ${regsMem.regs1.wall.toFixed(2)}, ${fmtRss(regsMem.regs1.rss)} | ${regsMem.regs2.wall.toFixed(2)}, ${fmtRss(regsMem.regs2.rss)} | ${regsMem.regs?.toFixed(0)} | ${regsMem.regsMarginal?.toFixed(0)} |`);
    md.push(`| mmio-report | ${regsMem.rep1.wall.toFixed(2)}, ${fmtRss(regsMem.rep1.rss)} | ${regsMem.rep2.wall.toFixed(2)}, ${fmtRss(regsMem.rep2.rss)} | ${regsMem.report?.toFixed(0)} | ${regsMem.reportMarginal?.toFixed(0)} |`);
    md.push('', `The inventory of 1M registers keeps ${regsMem.kept.toFixed(0)} bytes each after a full garbage collection (offsets and values as numbers, line numbers and counts in 32 bits, registers found through a table in a typed array; the rest of the peak is the collector's slack). mmio-report keeps histories and heatmap cells in flat columns and writes its page 64 KiB at a time.`);
  }
  if (nvramMem) md.push('', `\`mmio-extract nvram\` on 64 MB of \`a=b\\0\` (16,777,216 entries, one run): ${nvramMem.text.wall.toFixed(2)} s, peak RSS ${fmtRss(nvramMem.text.rss)} MB; \`--json\` ${nvramMem.json.wall.toFixed(2)} s, ${fmtRss(nvramMem.json.rss)} MB; start-up alone ${fmtRss(nvramMem.idle.rss)} MB. Above start-up that is ${nvramMem.overText?.toFixed(2)}× and ${nvramMem.overJson?.toFixed(2)}× the image (the target: at most 2×; it was 40×).`);
  if (envy) {
    md.push('', `\`mmio-annotate\` with envytools' NVIDIA database (97 files, domain NV_MMIO), on the G80 sweep's ${envy.once.toLocaleString('en-US')} BAR0 accesses repeated 30 times (${envy.events.toLocaleString('en-US')} events):`, '', '| command | wall s | peak RSS MB |', '|---|---:|---|');
    for (const r of envy.rows) md.push(`| ${r.what} | ${r.wall.toFixed(2)} | ${r.rss} |`);
    md.push('', `Database load (the second row less the first): ${envy.load.toFixed(3)} s. Annotating, start-up and load taken out: ${Math.round(envy.eps).toLocaleString('en-US')} events/s with the sweep's values, ${Math.round(envy.epsRandom).toLocaleString('en-US')} events/s with random values; mmio-filter reads and writes the same events at ${Math.round(envy.filterEps).toLocaleString('en-US')} events/s.` + (envy.demmio ? ` envytools' demmio decodes the sweep once (${envy.once.toLocaleString('en-US')} accesses) in ${envy.demmio.toFixed(2)} s.` : ''));
  }
  if (modelCost) md.push('', `\`mmio-model learn --name e1000-mmio\` on the real 1.5M-line memory-ops trace: ${modelCost.learn.wall.toFixed(2)} s, peak RSS ${fmtRss(modelCost.learn.rss)} MB, against \`mmio-regs --name e1000-mmio\` ${modelCost.regs.wall.toFixed(2)} s, ${fmtRss(modelCost.regs.rss)} MB: ${modelCost.ratio.toFixed(2)}× (the target: at most 2×).`);
  const path = join(ROOT, 'docs', 'performance.md');
  const old = existsSync(path) ? readFileSync(path, 'utf8') : '# Performance\n\n<!-- bench -->\n';
  const start = old.indexOf('## Figures');
  const end = old.indexOf('\n## ', start + 1);
  const next = start === -1 ? old.trimEnd() + '\n\n' + md.join('\n') + '\n' : old.slice(0, start) + md.join('\n') + '\n' + (end === -1 ? '' : old.slice(end));
  writeFileSync(path, next);
  log(`wrote ${path}`);
}
