/**
 * mmio-model on real runs: learn from one run, check on another (issue 23's held-out proof). The
 * README's table ("mmio-model", "Held out") is this test's output: a figure there that this test
 * no longer reaches fails it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURES, ROOT, run } from './helpers/util.js';

const dir = mkdtempSync(join(tmpdir(), 'mmio-model-'));
const MODEL = join(ROOT, 'test', 'fixtures', 'model');
const cap = (d: string, run: string) => join(MODEL, d, `${d}-${run}.log.gz`);

interface Score {
  reads: number;
  exact: number;
}
interface Result {
  reads: number;
  exact: number;
  rules: Score;
  byKind: Record<string, Score>;
  baselines: { firstRead: Score; playback: Score };
}

async function learn(name: string, args: string[]): Promise<string> {
  const out = join(dir, `${name}.json`);
  const r = await run('mmio-model', ['learn', '-q', ...args, '-o', out]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return out;
}

async function check(model: string, args: string[]): Promise<Result> {
  const r = await run('mmio-model', ['check', model, '--json', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Result;
}

const pct = (s: Score) => ((100 * s.exact) / s.reads).toFixed(2);

/** One row of the README's table: pair, reads, model, first read, playback, reads answered by a rule other than playback. */
function row(pair: string, r: Result): string {
  return `| ${pair} | ${r.reads} | ${pct(r)}% | ${pct(r.baselines.firstRead)}% | ${pct(r.baselines.playback)}% | ${pct({ reads: r.reads, exact: r.rules.reads })}% |`;
}

const models: Record<string, string> = {};
const rows: string[] = [];
const results: Record<string, Result> = {};

beforeAll(async () => {
  const vfio = join(FIXTURES, 'qemu-vfio.log');
  const mt = join(FIXTURES, 'mmiotrace.log');
  const memops = join(FIXTURES, 'qemu-memory-ops.log.gz');
  [models.vfio, models.mt, models.e1000, models.e1000e, models.rtl8139] = await Promise.all([
    learn('vfio', [vfio]),
    learn('mt', [mt]),
    learn('e1000', [cap('e1000', 'probe-1')]),
    learn('e1000e', [cap('e1000e', 'probe-1')]),
    learn('rtl8139', [cap('rtl8139', 'probe-1')]),
  ]);
  const pairs: [string, string, string[]][] = [
    ['e1000 (shipped): VFIO run → mmiotrace run', models.vfio!, [mt]],
    ['e1000 (shipped): mmiotrace run → VFIO run', models.mt!, [vfio]],
    ['e1000 (shipped): VFIO run → memory-ops run', models.vfio!, ['--name', 'e1000-mmio', memops]],
    ['e1000: probe-1 → probe-2', models.e1000!, [cap('e1000', 'probe-2')]],
    ['e1000e: probe-1 → probe-2', models.e1000e!, [cap('e1000e', 'probe-2')]],
    ['rtl8139: probe-1 → probe-2', models.rtl8139!, [cap('rtl8139', 'probe-2')]],
    ['e1000: probe-1 → another order', models.e1000!, [cap('e1000', 'order')]],
    ['e1000e: probe-1 → another order', models.e1000e!, [cap('e1000e', 'order')]],
    ['rtl8139: probe-1 → another order', models.rtl8139!, [cap('rtl8139', 'order')]],
    // the second probe of the order runs (the line each README gives), the whole run driving the model
    ['e1000: probe-1 → another order, second probe', models.e1000!, ['--score', '15765-', cap('e1000', 'order')]],
    ['e1000e: probe-1 → another order, second probe', models.e1000e!, ['--score', '7335-', cap('e1000e', 'order')]],
    ['rtl8139: probe-1 → another order, second probe', models.rtl8139!, ['--score', '974-', cap('rtl8139', 'order')]],
  ];
  const got = await Promise.all(pairs.map(([, m, a]) => check(m, a)));
  pairs.forEach(([pair], i) => {
    results[pair] = got[i]!;
    rows.push(row(pair, got[i]!));
  });
  writeFileSync(join(dir, 'table.md'), rows.join('\n') + '\n');
}, 240_000);

describe('mmio-model, held out', () => {
  it('same order: at least 99.5% of the other run exact, never worse than playback, 90% answered by rules', () => {
    for (const [pair, r] of Object.entries(results)) {
      if (pair.includes('order')) continue;
      expect(r.exact / r.reads, pair).toBeGreaterThanOrEqual(0.995);
      expect(r.exact, pair).toBeGreaterThanOrEqual(r.baselines.playback.exact);
      expect(r.rules.reads / r.reads, pair).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('another order: strictly better than playback', () => {
    for (const [pair, r] of Object.entries(results)) if (pair.includes('order')) expect(r.exact, pair).toBeGreaterThan(r.baselines.playback.exact);
  });

  it("the README's table: no figure there is above what the model does now", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('<!-- model-table -->'), readme.indexOf('<!-- /model-table -->'));
    const shown = [...table.matchAll(/^\| (.+?) \| (\d+) \| ([\d.]+)% \| ([\d.]+)% \| ([\d.]+)% \| ([\d.]+)% \|$/gm)];
    expect(shown.map((m) => m[1]), `the table now:\n${rows.join('\n')}`).toEqual(Object.keys(results));
    for (const m of shown) {
      const r = results[m[1]!]!;
      expect(r.reads, m[1]).toBe(+m[2]!);
      expect(+pct(r), `${m[1]}: model exact`).toBeGreaterThanOrEqual(+m[3]!);
      expect(+pct({ reads: r.reads, exact: r.rules.reads }), `${m[1]}: answered by rules`).toBeGreaterThanOrEqual(+m[6]!);
      // the baselines are facts of the runs: they do not move
      expect(pct(r.baselines.firstRead), m[1]).toBe(m[4]);
      expect(pct(r.baselines.playback), m[1]).toBe(m[5]);
    }
  });

  it('a model learned from all runs answers every read of every run it learned from', async () => {
    for (const d of ['e1000', 'e1000e', 'rtl8139']) {
      const runs = ['probe-1', 'probe-2', 'order'].map((r) => cap(d, r));
      const m = await learn(`${d}-all`, runs);
      for (const f of runs) {
        const r = await check(m, [f]);
        expect(r.exact, `${d} ${f}`).toBe(r.reads);
      }
    }
  }, 240_000);
});

describe('mmio-model learn: what the model says', () => {
  it('identity, BARs and provenance from the trace (memory-ops: through pci-conf-data and pcie-mmcfg-mmio)', () => {
    const m = JSON.parse(readFileSync(models.rtl8139!, 'utf8'));
    expect(m.schema).toBe('mmio-model/1');
    expect(m.identity).toMatchObject({ vendor: '0x10ec', device: '0x8139', class: '0x20000', revision: '0x20' });
    expect(m.identity.from.vendor).toMatch(/^trace .*rtl8139-probe-1\.log\.gz:\d+$/);
    expect(m.bars[0]).toMatchObject({ index: 0, size: '0x100', kind: 'io', from: 'sizing' });
    // the MAC, from the 93C46 behind Cfg9346, learned as an EEPROM: words 7-9
    const ee = m.registers.find((r: { offset: string }) => r.offset === '0x50');
    expect(ee.rule.kind).toBe('eeprom');
    expect(Object.fromEntries(ee.rule.words)).toMatchObject({ '0x7': '0x4d02', '0x8': '0x4f49', '0x9': '0x35a' });
    expect(ee.support.first[0]).toMatch(/rtl8139-probe-1\.log\.gz:\d+$/);
  });

  it("e1000's EECD is an EEPROM whose words are the MAC; EERD of the e1000e is a data port", () => {
    const e1000 = JSON.parse(readFileSync(models.e1000!, 'utf8'));
    const eecd = e1000.registers.find((r: { offset: string }) => r.offset === '0x10');
    expect(eecd.rule).toMatchObject({ kind: 'eeprom', cs: 1, sk: 0, di: 2, do: 3, addrBits: 6 });
    // 02:4d:49:4f:5a:01, little-endian words
    expect(Object.fromEntries(eecd.rule.words)).toMatchObject({ '0x0': '0x4d02', '0x1': '0x4f49', '0x2': '0x15a' });
    const e1000e = JSON.parse(readFileSync(models.e1000e!, 'utf8'));
    const eerd = e1000e.registers.find((r: { offset: string }) => r.offset === '0x14');
    expect(eerd.rule).toMatchObject({ kind: 'dataport', from: '0:0x14:4' });
  });

  it('the same inputs give the same bytes', async () => {
    const again = await learn('rtl8139-again', [cap('rtl8139', 'probe-1')]);
    expect(readFileSync(again, 'utf8').replace(/rtl8139-again/g, 'rtl8139')).toBe(readFileSync(models.rtl8139!, 'utf8'));
  });
});

describe('mmio-model: bad input, one line naming file:line', () => {
  it('a model of another schema, truncated, or with a broken field', async () => {
    const good = readFileSync(models.rtl8139!, 'utf8');
    const cases: [string, string, RegExp][] = [
      ['other-schema', good.replace('"mmio-model/1"', '"mmio-model/2"'), /^mmio-model: .*other-schema\.json:2: schema "mmio-model\/2": this mmio-model reads "mmio-model\/1"\n$/],
      ['truncated', good.slice(0, Math.floor(good.length / 2)), /^mmio-model: .*truncated\.json:\d+: (the model ends early|a string that does not end) \(truncated\?\)\n$/],
      ['broken', good.replace('"kind":"eeprom"', '"kind":"eprom"'), /^mmio-model: .*broken\.json:\d+: register 0:0x50:1: rule kind "eprom" is not one of constant, storage, w1c, self-clearing, counter, poll, dataport, eeprom, playback\n$/],
      ['bad-hex', good.replace(/"offset":"0x50"/, '"offset":"80"'), /^mmio-model: .*bad-hex\.json:\d+: registers\[\d+\]: "offset" must be a hex string \(0x…\), not "80"\n$/],
    ];
    for (const [name, text, re] of cases) {
      const f = join(dir, `${name}.json`);
      writeFileSync(f, text);
      const r = await run('mmio-model', ['check', f, cap('rtl8139', 'probe-2')]);
      expect(r.code, name).toBe(1);
      expect(r.stderr, name).toMatch(re);
      expect(r.stdout, name).toBe('');
    }
    // the line named is the line of the field
    const broken = good.replace('"kind":"eeprom"', '"kind":"eprom"');
    const line = broken.split('\n').findIndex((l) => l.includes('"eprom"')) + 1;
    const r = await run('mmio-model', ['check', join(dir, 'broken.json'), cap('rtl8139', 'probe-2')]);
    expect(r.stderr).toContain(`broken.json:${line}: `);
  });

  it('several devices without a selector: a usage error naming them', async () => {
    const r = await run('mmio-model', ['learn', join(FIXTURES, 'qemu-memory-ops.log.gz'), '--lines', '1-200000', '-o', join(dir, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^mmio-model: .*qemu-memory-ops\.log\.gz: \d+ devices in the input: .*; learn one at a time: --dev DEV \(VFIO, mmiotrace\) or --name 'REGION\*' \(QEMU memory-ops\) \(see mmio-model --help\)\n$/);
  });

  it('--min: exit 1 below it; --mismatches: one record per wrong read', async () => {
    const below = await run('mmio-model', ['check', models.rtl8139!, '--min', '99', cap('rtl8139', 'order')]);
    expect(below.code).toBe(1);
    expect(below.stderr).toMatch(/below --min 99\n$/);
    const mm = await run('mmio-model', ['check', models.rtl8139!, '--mismatches', cap('rtl8139', 'order')]);
    expect(mm.code).toBe(0);
    const recs = mm.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const wrong = results['rtl8139: probe-1 → another order']!;
    expect(recs.length).toBe(wrong.reads - wrong.exact);
    expect(Object.keys(recs[0])).toEqual(['file', 'line', 'region', 'offset', 'width', 'device', 'model', 'rule']);
  });

  it('qemu: a C file whose answering logic compiles alone', async () => {
    const c = join(dir, 'rtl.c');
    const r = await run('mmio-model', ['qemu', models.rtl8139!, '--type', 'rtl-model', '-o', c]);
    expect(r.code).toBe(0);
    expect(readFileSync(c, 'utf8')).toMatch(/rtl-model: a QEMU PCI device/);
  });
});
