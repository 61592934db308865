/**
 * The byte path of our NDJSON (access.ts): scanNdjsonAccess accepts only
 * lines parseEventLine reads as read or write events, with the same fields;
 * and the selectors pushed down select exactly what Selection.pass selects.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AccessRuns, Selection, SelectionPushdown, newAccessView, parseEventLine, parseSelectOptions, scanNdjsonAccess, stringifyEvent, type AccessView } from '../src/index.js';

const big = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const hexOf = (n: bigint) => '0x' + n.toString(16);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** A field that is mostly absent. */
const rare = <T>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, a);
/** Access events as our tools write them, some with fields the byte path leaves to the general one. */
const event = fc
  .record({
    type: fc.constantFrom('read', 'write'),
    src: maybe(fc.constantFrom('vfio', 'memory', 'vfio', 'a"b')),
    dev: maybe(fc.constantFrom('0000:03:00.0', '0000:00:1f.3', 'é', '')),
    region: maybe(fc.oneof(fc.nat(8), fc.constant(123456789012345))),
    name: maybe(fc.constantFrom('e1000-mmio', 'rtc', "it's", 'back\\slash', 'ünï')),
    place: fc.tuple(fc.boolean(), fc.oneof(fc.bigInt({ min: 0n, max: 0xfffffn }), big)),
    width: fc.constantFrom(1, 2, 4, 8),
    value: fc.oneof(fc.bigInt({ min: 0n, max: 0xffn }), big),
    cpu: maybe(fc.constantFrom(0, -1, 3)),
    mr: maybe(fc.constantFrom('0x55bba9fce650', '0x0')),
    raw: rare(fc.constant('0xffffffff')),
    file: rare(fc.constantFrom('a.log', 'b "c".log')),
    repeat: rare(fc.constant(3)),
    t: maybe(fc.oneof(fc.constantFrom(1581830830.000043, 0, 12), fc.double({ min: 0, max: 1e9, noNaN: true }))),
    tid: maybe(fc.constantFrom(493, 0, -2)),
    line: maybe(fc.nat()),
  })
  .map(({ place: [isAddr, at], value, width, ...rest }) => {
    const v = value & ((1n << BigInt(8 * width)) - 1n);
    const ev: Record<string, unknown> = { type: rest.type, src: rest.src, dev: rest.dev, region: rest.region, name: rest.name };
    ev[isAddr ? 'addr' : 'offset'] = hexOf(at);
    Object.assign(ev, { width, value: hexOf(v), cpu: rest.cpu, mr: rest.mr, raw: rest.raw, file: rest.file, repeat: rest.repeat, t: rest.t, tid: rest.tid, line: rest.line });
    return ev;
  });
/** Lines: as stringifyEvent writes them, or mutated (a byte changed, added or dropped). */
const line = fc.oneof(
  { weight: 3, arbitrary: event.map((e) => stringifyEvent(e)) },
  fc.tuple(event.map((e) => stringifyEvent(e)), fc.nat(), fc.constantFrom('', ' ', '0', 'a', '"', '\\', '}', ',', '-', '.', 'é', '\u0001')).map(([l, at, ch]) => {
    const i = at % (l.length + 1);
    return at % 3 === 0 ? l.slice(0, i) + ch + l.slice(i) : l.slice(0, i) + ch + l.slice(i + 1);
  }),
);

const text = (b: Uint8Array, s: number, e: number) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1', s, e);

/** What the byte path sees of an access, as event fields. */
function viewFields(buf: Buffer, a: AccessView): Record<string, unknown> {
  return {
    type: a.write ? 'write' : 'read',
    dev: a.devS < 0 ? undefined : text(a.devBuf, a.devS, a.devE),
    region: a.region < 0 ? undefined : a.region,
    name: a.nameS < 0 ? undefined : text(buf, a.nameS, a.nameE),
    mr: a.mrS < 0 ? undefined : text(buf, a.mrS, a.mrE),
    [a.isAddr ? 'addr' : 'offset']: text(buf, a.atS, a.atE),
    width: a.width,
    value: text(buf, a.valS, a.valE),
  };
}

describe('scanNdjsonAccess', () => {
  it('accepts only what parseEventLine reads as an access, with the same fields; takes the plain lines', () => {
    let taken = 0;
    fc.assert(
      fc.property(line, (l) => {
        const buf = Buffer.from(l + '\n');
        const a = newAccessView();
        const nl = scanNdjsonAccess(buf, 0, buf.length, a);
        const ev = parseEventLine(l);
        if (nl < 0) return;
        taken++;
        expect(nl).toBe(buf.length - 1);
        expect(a.lineS).toBe(0);
        expect(a.lineE).toBe(nl);
        expect(typeof ev).toBe('object');
        const e = ev as Record<string, unknown>;
        const f = viewFields(buf, a);
        for (const k of Object.keys(f)) expect(f[k], k).toBe(e[k]);
        expect(e.offset === undefined || e.addr === undefined).toBe(true);
      }),
      { numRuns: 5000 },
    );
    expect(taken).toBeGreaterThan(200);
  });

  it('takes the lines mmio-parse writes', () => {
    for (const l of [
      '{"type":"write","src":"vfio","dev":"0000:03:00.0","region":2,"offset":"0x26ffda","width":2,"value":"0x5a5a","t":1581830832.15445,"tid":493,"line":7}',
      '{"type":"read","src":"memory","name":"rtc","addr":"0x71","width":1,"value":"0x0","cpu":0,"mr":"0x55bba9fce540","file":"a.log","line":3}',
    ]) {
      const buf = Buffer.from(l + '\n');
      expect(scanNdjsonAccess(buf, 0, buf.length, newAccessView())).toBe(buf.length - 1);
    }
  });
});

describe('SelectionPushdown', () => {
  const selectors = fc.record({
    type: maybe(fc.constantFrom('read', 'write', 'read,write', 'mark')),
    dev: maybe(fc.constantFrom('0000:03:00.0', '03:00.0', '0000:00:1f.3,0000:03:00.0')),
    region: maybe(fc.constantFrom('2', '0,2', '7')),
    name: maybe(fc.constantFrom('e1000-*', 'rtc', "it's", '*')),
  });
  it('selects what Selection.pass selects, from the first event', () => {
    fc.assert(
      fc.property(selectors, fc.array(event, { maxLength: 40 }), (sel, events) => {
        const o = parseSelectOptions(sel);
        const general = new Selection(o);
        const ours = new Selection(o);
        const push = SelectionPushdown.of(ours)!;
        expect(push).toBeDefined();
        for (const ev of events) {
          const want = general.pass(ev as never) === 'select';
          const l = stringifyEvent(ev);
          const buf = Buffer.from(l + '\n');
          const a = newAccessView();
          if (scanNdjsonAccess(buf, 0, buf.length, a) >= 0) {
            expect(push.take(a, buf)).toBe(want);
          } else ours.pass(JSON.parse(l));
          expect(ours.selected).toBe(general.selected);
        }
        expect(ours.report()).toEqual(general.report());
      }),
      { numRuns: 3000 },
    );
  });

  it('is not made for the selectors it cannot push down', () => {
    for (const sel of [{ offset: '0x0-0x10' }, { invert: true, dev: '03:00.0' }, { since: '1' }, { 'from-mark': 'x', fromMark: 'x' }, { value: '1' }, { width: '4' }, { mr: '0x1' }, { lines: '1-2' }]) {
      expect(SelectionPushdown.of(new Selection(parseSelectOptions(sel)))).toBeUndefined();
    }
    expect(SelectionPushdown.of(undefined)).toBeNull();
  });
});

describe('AccessRuns', () => {
  /** A class from a line's view: by type, dev, region and name (the head), or none for some. */
  const classOf = (buf: Buffer, a: AccessView) => {
    const f = viewFields(buf, a);
    const k = `${f.type}|${f.dev}|${f.region}|${f.name}`;
    let h = 0;
    for (let i = 0; i < k.length; i++) h = (h * 31 + k.charCodeAt(i)) >>> 0;
    return (h % 5) - 1;
  };
  it('finds runs only of lines scanNdjsonAccess takes, each of the class of its own head, and counts them', () => {
    let runs = 0;
    fc.assert(
      fc.property(fc.array(fc.oneof({ weight: 4, arbitrary: line }, fc.constantFrom('', '{"type":"mark","text":"x"}')), { maxLength: 30 }), fc.nat(3), (ls, rep) => {
        // Repeated lines make runs.
        const all = ls.flatMap((l) => Array(1 + (rep % 3)).fill(l) as string[]);
        const buf = Buffer.from(all.map((l) => l + '\n').join(''));
        const text = buf.toString('latin1');
        const r = new AccessRuns(classOf);
        const a = newAccessView();
        const b = newAccessView();
        let s = 0;
        while (s < buf.length) {
          const e = r.match(text, buf, s, buf.length, a);
          if (e < 0) {
            s = buf.indexOf(10, s) + 1;
            continue;
          }
          runs++;
          expect(r.cls).toBeGreaterThanOrEqual(0);
          let n = 0;
          for (let p = s; p < e; n++) {
            const nl = scanNdjsonAccess(buf, p, buf.length, b);
            expect(nl).toBeGreaterThan(p);
            expect(classOf(buf, b)).toBe(r.cls);
            // The general path reads it as the same access.
            const ev = parseEventLine(buf.toString('latin1', p, nl)) as Record<string, unknown>;
            const f = viewFields(buf, b);
            for (const k of Object.keys(f)) expect(f[k], k).toBe(ev[k]);
            p = nl + 1;
          }
          expect(r.lines).toBe(n);
          s = e;
        }
      }),
      { numRuns: 1500 },
    );
    expect(runs).toBeGreaterThan(200);
  });
});
