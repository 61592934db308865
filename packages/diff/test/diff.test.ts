import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { editScript } from '../src/index.js';
import { FIXTURES, jsonLines, run, sh } from '../../../test/helpers/util.js';

const dir = mkdtempSync(join(tmpdir(), 'diff-'));
const w = (offset: number, value: number, type = 'write') => ({ type, dev: '0000:03:00.0', region: 0, offset: '0x' + offset.toString(16), width: 4, value: '0x' + value.toString(16), t: offset, tid: 1 });
const file = (name: string, evs: object[]) => {
  const p = join(dir, name);
  writeFileSync(p, evs.map((e) => JSON.stringify(e)).join('\n') + '\n');
  return p;
};
const base = Array.from({ length: 40 }, (_, i) => w(i * 4, i));

describe('edit script', () => {
  it('is a minimal LCS alignment, deletions before insertions', () => {
    expect(editScript(['a', 'b', 'c'], ['a', 'x', 'c'])).toEqual(['=', '-', '+', '=']);
    expect(editScript(['a', 'b'], ['a', 'b', 'c'])).toEqual(['=', '=', '+']);
    expect(editScript([], ['a'])).toEqual(['+']);
  });
});

describe('mmio-diff sequence mode', () => {
  it('same streams: exit 0, no output; t, tid and line do not count', async () => {
    const a = file('a.nd', base);
    const b = file('b.nd', base.map((e, i) => ({ ...e, t: 99 + i, tid: 7, line: i })));
    const r = await run('mmio-diff', [a, b]);
    expect([r.code, r.stdout]).toEqual([0, '']);
  });

  it('insertions, deletions and changed values are hunks with positions in each input', async () => {
    const b = [...base];
    b.splice(30, 1); // delete #31
    b.splice(20, 0, w(0x999, 1)); // insert before #21
    b[5] = w(20, 0x55); // change #6's value
    const r = await run('mmio-diff', [file('a.nd', base), file('b.nd', b)]);
    expect(r.code).toBe(1);
    const out = jsonLines(r.stdout).map((e) => (e.type === 'hunk' ? e : [e.diff, e.index, e.offset, e.value]));
    expect(out).toEqual([
      { type: 'hunk', a_start: 6, a_count: 1, b_start: 6, b_count: 1 },
      ['-', 6, '0x14', '0x5'],
      ['+', 6, '0x14', '0x55'],
      { type: 'hunk', a_start: 21, a_count: 0, b_start: 21, b_count: 1 },
      ['+', 21, '0x999', '0x1'],
      { type: 'hunk', a_start: 31, a_count: 1, b_start: 32, b_count: 0 },
      ['-', 31, '0x78', '0x1e'],
    ]);
  });

  it('--key without value and --ignore hide value changes; --collapse-polls hides polling noise', async () => {
    const b = base.map((e, i) => (i === 5 ? { ...e, value: '0x77' } : e));
    const [fa, fb] = [file('a.nd', base), file('b.nd', b)];
    expect((await run('mmio-diff', ['--key', 'type,offset,width', fa, fb])).code).toBe(0);
    expect((await run('mmio-diff', ['--ignore', '0x14+4', fa, fb])).code).toBe(0);
    expect((await run('mmio-diff', ['--ignore', '0x18+4', fa, fb])).code).toBe(1);
    const poll = (n: number) => Array.from({ length: n }, () => w(0x1804, 1, 'read'));
    const pa = file('pa.nd', [...base.slice(0, 10), ...poll(3), ...base.slice(10)]);
    const pb = file('pb.nd', [...base.slice(0, 10), ...poll(250), ...base.slice(10)]);
    expect((await run('mmio-diff', [pa, pb])).code).toBe(1);
    const r = await run('mmio-diff', ['--collapse-polls', pa, pb]);
    expect([r.code, r.stdout]).toEqual([0, '']);
  });

  it('--text prints a unified view with context', async () => {
    const b = base.map((e, i) => (i === 10 ? { ...e, value: '0xff' } : e));
    const r = await run('mmio-diff', ['--text', '-U', '1', file('a.nd', base), file('b.nd', b)]);
    expect(r.stdout.split('\n').map((l) => l.replace(/ +/g, ' '))).toEqual([
      `--- ${join(dir, 'a.nd')}`,
      `+++ ${join(dir, 'b.nd')}`,
      '@@ -11,1 +11,1 @@',
      ' 36.000000 0000:03:00.0 0 W 0x24 4 0x9',
      '- 40.000000 0000:03:00.0 0 W 0x28 4 0xa',
      '+ 40.000000 0000:03:00.0 0 W 0x28 4 0xff',
      ' 44.000000 0000:03:00.0 0 W 0x2c 4 0xb',
      '',
    ]);
  });

  it('exit 2 on trouble: bad input, a missing file, usage', async () => {
    const bad = join(dir, 'bad.nd');
    writeFileSync(bad, '{"type":"write"\n');
    const r = await run('mmio-diff', [file('a.nd', base), bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`mmio-diff: ${bad}:1: invalid JSON: ${JSON.parse.length ? r.stderr.split('invalid JSON: ')[1]!.trimEnd() : ''}\n`);
    expect((await run('mmio-diff', [bad, join(dir, 'nope')])).code).toBe(2);
    expect((await run('mmio-diff', [bad])).code).toBe(2);
  });

  it('real e1000 traces: mmiotrace against QEMU (VFIO and memory ops) differ only by the 196 accesses at the end of the QEMU trace', async () => {
    const mm = `mmio-parse ${FIXTURES}/mmiotrace.log | mmio-filter --dev 00:02.0 --region 0`;
    const vfio = await sh(`mmio-diff --key type,offset,width,value <(${mm}) <(mmio-parse ${FIXTURES}/qemu-vfio.log | mmio-filter --region 0)`);
    const mem = await sh(`mmio-diff --key type,addr,width,value <(${mm}) <(mmio-parse ${FIXTURES}/qemu-memory-ops.log.gz | mmio-filter --name e1000-mmio)`);
    for (const r of [vfio, mem]) {
      expect(r.code).toBe(1);
      const evs = jsonLines(r.stdout);
      expect(evs[0]).toEqual({ type: 'hunk', a_start: 11947, a_count: 0, b_start: 11947, b_count: 196 });
      expect(evs.length).toBe(197);
      expect(evs.slice(1).every((e) => e.diff === '+')).toBe(true);
    }
  });
});

describe('mmio-diff state mode', () => {
  it('reports changed, only-a and only-b registers by their last write', async () => {
    const a = [w(0, 1), w(4, 2), w(8, 3), w(0, 9), w(0x40, 1, 'read')];
    const b = [w(0, 9), w(4, 5), w(12, 7)];
    const r = await run('mmio-diff', ['--mode', 'state', file('a.nd', a), file('b.nd', b)]);
    expect(r.code).toBe(1);
    expect(jsonLines(r.stdout).map((e) => [e.diff, e.offset, e.a, e.b])).toEqual([
      ['changed', '0x4', '0x2', '0x5'],
      ['only-a', '0x8', '0x3', undefined],
      ['only-b', '0xc', undefined, '0x7'],
    ]);
    expect((await run('mmio-diff', ['--mode', 'state', file('a.nd', a), file('c.nd', [w(4, 2), w(8, 3), w(0, 9)])])).code).toBe(0);
  });
});
