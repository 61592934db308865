import { describe, expect, it } from 'vitest';
import { UsageError, stringifyEvent } from '@mmio-tools/core';
import { EventFilter, globToRegExp, parseFilterOptions } from '../src/index.js';

type Ev = Record<string, unknown> & { type: string };
let n = 0;
const w = (offset: string, value = '0x1', width = 4, extra: Partial<Ev> = {}): Ev => ({ type: 'write', src: 'vfio', dev: '0000:03:00.0', region: 2, offset, width, value, t: 100 + n / 10, line: ++n, ...extra });
const r = (offset: string, value = '0x1', extra: Partial<Ev> = {}): Ev => ({ ...w(offset, value, 4, extra), type: 'read' });
const mark = (text: string): Ev => ({ type: 'mark', src: 'mmiotrace', text, line: ++n });

function run(events: Ev[], options: Record<string, unknown>) {
  const out: string[] = [];
  const f = new EventFilter(parseFilterOptions(options), (l) => out.push(l));
  for (const e of events) f.feed(e, stringifyEvent(e));
  f.end();
  return { out: out.map((l) => JSON.parse(l) as Ev), raw: out, selected: f.selected };
}
const offsets = (res: { out: Ev[] }) => res.out.map((e) => (e.type === 'mark' ? `mark:${e.text}` : e.offset));

describe('selectors', () => {
  const evs = [
    w('0x0'),
    w('0x10', '0xa5', 1),
    w('0x26c95c', '0x1', 8), // straddles the start 0x26c960
    w('0x26c960', '0xa5a5a5a5'),
    w('0x26fffe', '0x5a5a', 2),
    w('0x270000'),
    w('0x26c980', '0x17ae', 4, { dev: '0000:04:00.0' }),
    r('0x26c980', '0x17ae'),
    w('0x26c984', '0x1', 4, { region: 0 }),
  ];

  it('--offset START-END keeps any access with a byte inside (END exclusive)', () => {
    expect(offsets(run(evs, { offset: '0x26c960-0x270000' }))).toEqual(['0x26c95c', '0x26c960', '0x26fffe', '0x26c980', '0x26c980', '0x26c984']);
  });

  it('--offset START+LENGTH and decimal numbers', () => {
    expect(offsets(run(evs, { offset: '0x26c960+4' }))).toEqual(['0x26c95c', '0x26c960']);
    expect(offsets(run(evs, { offset: '16+1' }))).toEqual(['0x10']);
  });

  it('--dev (short form too), --region, --type, combined', () => {
    expect(offsets(run(evs, { dev: '03:00.0', region: '2', type: 'write', offset: '0x26c960-0x270000' }))).toEqual(['0x26c95c', '0x26c960', '0x26fffe']);
    expect(offsets(run(evs, { dev: ['0000:04:00.0', '03:00.0'], type: 'read' }))).toEqual(['0x26c980']);
    expect(offsets(run(evs, { region: '0,2', dev: '0000:04:00.0' }))).toEqual(['0x26c980']);
  });

  it('--width and --value compare numerically', () => {
    expect(offsets(run(evs, { width: '1,2' }))).toEqual(['0x10', '0x26fffe']);
    expect(offsets(run(evs, { value: '0x00a5' }))).toEqual(['0x10']);
    expect(offsets(run(evs, { value: ['165', '0x5A5A'] }))).toEqual(['0x10', '0x26fffe']);
  });

  it('--name globs, --addr on absolute addresses', () => {
    const mem = [
      { type: 'write', src: 'memory', name: 'e1000-mmio', addr: '0xfebc00d8', width: 4, value: '0x1', line: 1 },
      { type: 'write', src: 'memory', name: 'e1000-io', addr: '0xc000', width: 4, value: '0x1', line: 2 },
      { type: 'read', src: 'memory', name: 'vga-lowmem', addr: '0xa0000', width: 1, value: '0x1', line: 3 },
    ];
    expect(run(mem, { name: 'e1000-*' }).out.map((e) => e.name)).toEqual(['e1000-mmio', 'e1000-io']);
    expect(run(mem, { name: 'e1000-mmi?' }).out.map((e) => e.name)).toEqual(['e1000-mmio']);
    expect(run(mem, { addr: '0xfebc0000+0x20000' }).out.map((e) => e.name)).toEqual(['e1000-mmio']);
    expect(globToRegExp('a.b[0-9]*').test('a.b7x')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });

  it('-v inverts the selection; context still passes', () => {
    const res = run([mark('go'), ...evs.slice(0, 3)], { width: '4', invert: true });
    expect(offsets(res)).toEqual(['mark:go', '0x10', '0x26c95c']);
    expect(res.selected).toBe(2);
  });

  it('--lines A-B is inclusive', () => {
    n = 0;
    const ev = [w('0x0'), w('0x4'), w('0x8'), w('0xc')];
    expect(offsets(run(ev, { lines: '2-3' }))).toEqual(['0x4', '0x8']);
    expect(offsets(run(ev, { lines: '3-' }))).toEqual(['0x8', '0xc']);
    expect(offsets(run(ev, { lines: ['-1', '4'] }))).toEqual(['0x0', '0xc']);
  });

  it('--since/--until, absolute and relative to the first event', () => {
    const ev = [0, 1, 2, 3].map((i) => ({ ...w(`0x${i}`), t: 1000 + i * 0.5 }));
    expect(offsets(run(ev, { since: '+0.5', until: '+1.5' }))).toEqual(['0x1', '0x2']);
    expect(offsets(run(ev, { since: '1001' }))).toEqual(['0x2', '0x3']);
  });
});

describe('context and marks', () => {
  it('device/map/mark/lost pass through unless --type leaves them out', () => {
    const dev = { type: 'device', dev: '0000:00:02.0', vendor: '0x8086', device: '0x100e', irq: 11, bars: [], line: 1 };
    const lost = { type: 'lost', count: 3, line: 2 };
    const res = run([dev, lost, w('0x0')], { region: '5' });
    expect(res.out.map((e) => e.type)).toEqual(['device', 'lost']);
    expect(res.selected).toBe(0);
    expect(run([dev, lost, w('0x0')], { region: '2', type: 'write' }).out.map((e) => e.type)).toEqual(['write']);
  });

  it('--from-mark/--to-mark select the first window', () => {
    const ev = [w('0x0'), mark('probe starting'), w('0x4'), w('0x8'), mark('probe done'), w('0xc'), mark('probe starting'), w('0x10')];
    expect(offsets(run(ev, { fromMark: 'starting', toMark: 'done' }))).toEqual(['mark:probe starting', '0x4', '0x8', 'mark:probe done', 'mark:probe starting']);
    expect(offsets(run(ev, { toMark: 'done', type: 'write' }))).toEqual(['0x0', '0x4', '0x8']);
    expect(offsets(run(ev, { fromMark: 'done', type: 'write' }))).toEqual(['0xc', '0x10']);
  });
});

describe('--collapse-polls', () => {
  it('folds identical consecutive reads into one event with repeat, keeping the first one', () => {
    const ev = [w('0x0'), r('0x8', '0x1'), r('0x8', '0x1'), r('0x8', '0x1'), r('0x8', '0x3'), r('0x8', '0x3', { region: 0 }), w('0x0'), r('0x8', '0x3')];
    const res = run(ev, { collapsePolls: true });
    expect(res.out.map((e) => [e.type, e.region, e.offset, e.value, e.repeat])).toEqual([
      ['write', 2, '0x0', '0x1', undefined],
      ['read', 2, '0x8', '0x1', 3],
      ['read', 2, '0x8', '0x3', undefined],
      ['read', 0, '0x8', '0x3', undefined],
      ['write', 2, '0x0', '0x1', undefined],
      ['read', 2, '0x8', '0x3', undefined],
    ]);
    expect(res.out[1]!.line).toBe(ev[1]!.line);
    expect(res.selected).toBe(6);
  });

  it('copies lines that pass byte for byte', () => {
    const raw = '{"type":"write","offset":"0x0","width":4,"value":"0x00A"}';
    const out: string[] = [];
    const f = new EventFilter(parseFilterOptions({ value: '10' }), (l) => out.push(l));
    f.feed(JSON.parse(raw), raw);
    expect(out).toEqual([raw]);
  });
});

describe('option errors are usage errors with the reason', () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ offset: '0x10-0x5' }, '--offset "0x10-0x5": the range is empty (end must be above start)'],
    [{ offset: 'lots' }, '--offset "lots": expected ADDR, START-END or START+LENGTH (hex 0x… or decimal)'],
    [{ width: '3' }, '--width "3": must be 1, 2, 4 or 8'],
    [{ type: 'wrte' }, '--type "wrte": not an event type (read, write, device, map, unmap, mark, lost, unknown-op, event, region, mmap, reset, irq)'],
    [{ region: 'bar2' }, '--region "bar2": not a region index (0-5 BARs, 6 ROM, 7 config, 8 VGA)'],
    [{ value: '0xzz' }, '--value "0xzz": not a number (hex 0x… or decimal)'],
    [{ since: 'yesterday' }, '--since "yesterday": expected seconds, absolute (1581830832.15) or relative to the first event (+0.5)'],
    [{ lines: '9-3' }, '--lines "9-3": the range is empty'],
  ];
  it.each(cases)('%o', (o, msg) => {
    expect(() => parseFilterOptions(o)).toThrow(UsageError);
    expect(() => parseFilterOptions(o)).toThrow(msg);
  });
});
