/**
 * mmio-replay's byte path (issue 25): writes read as bytes (our NDJSON lines)
 * and applied with feedBytes make the same slots, in the same order, with the
 * same images as the same events given to feed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AccessRuns, newAccessView, scanNdjsonAccess, stringifyEvent } from '@mmio-tools/core';
import { Replayer, planImage, type ReplayOptions } from '../src/index.js';

const event = fc.record({
  type: fc.constantFrom('write', 'write', 'read'),
  dev: fc.option(fc.constantFrom('0000:03:00.0', '0000:00:1f.3'), { nil: undefined }),
  region: fc.option(fc.constantFrom(0, 2), { nil: undefined }),
  name: fc.option(fc.constantFrom('e1000-mmio', 'rtc'), { nil: undefined }),
  mr: fc.option(fc.constantFrom('0x55bba9fce650', '0x1'), { nil: undefined }),
  at: fc.oneof(fc.bigInt({ min: 0n, max: 0x3fffn }), fc.bigInt({ min: 0n, max: (1n << 56n) - 1n })),
  isAddr: fc.boolean(),
  width: fc.constantFrom(1, 2, 4, 8),
  value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
}).map(({ at, isAddr, value, width, ...e }) => ({
  ...e,
  [isAddr ? 'addr' : 'offset']: '0x' + at.toString(16),
  width,
  value: '0x' + (value & ((1n << BigInt(8 * width)) - 1n)).toString(16),
}));

function image(r: Replayer, o: ReplayOptions) {
  return [...r.slots.values()].map((slot) => {
    let summary: unknown;
    try {
      const { originN: _o, sizeN: _s, ...rest } = planImage(slot, 'x', o);
      summary = rest;
    } catch (e) {
      summary = (e as Error).message;
    }
    return { summary, pages: Array.from(slot.image.pagesInOrder(), (p) => [p.base, Buffer.from(p.data).toString('hex'), Buffer.from(p.set).toString('hex')]) };
  });
}

describe('Replayer.feedBytes', () => {
  it('makes the images feed makes', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 30 }), fc.boolean(), fc.constantFrom(0, 0xff), (events, bigEndian, fill) => {
        const o: ReplayOptions = { origin: 'auto', fill, bigEndian, verifyReads: false };
        const general = new Replayer(o, () => undefined);
        const bytes = new Replayer(o, () => undefined);
        const a = newAccessView();
        events.forEach((ev, i) => {
          general.feed(ev as never, 'in', i + 1);
          const buf = Buffer.from(stringifyEvent(ev as never) + '\n');
          if (scanNdjsonAccess(buf, 0, buf.length, a) >= 0 && bytes.takesBytes(a)) bytes.feedBytes(buf, a);
          else bytes.feed(JSON.parse(buf.toString()), 'in', i + 1);
        });
        expect(image(bytes, o)).toEqual(image(general, o));
      }),
      { numRuns: 1000 },
    );
  });
});

/** Events with the fields mmio-parse adds (src, cpu, t, tid, line), some with a file (no run takes those). */
const full = fc
  .tuple(
    event,
    fc.record({
      src: fc.option(fc.constantFrom('vfio', 'memory'), { nil: undefined }),
      cpu: fc.option(fc.constantFrom(0, -1), { nil: undefined }),
      t: fc.option(fc.constantFrom(1581830830.000043, 7), { nil: undefined }),
      tid: fc.option(fc.constant(493), { nil: undefined }),
      line: fc.option(fc.nat(), { nil: undefined }),
      file: fc.option(fc.constant('a.log'), { nil: undefined, freq: 8 }),
    }),
  )
  .map(([ev, extra]) => {
    const { type, dev, region, name, ...rest } = ev as Record<string, unknown>;
    const out: Record<string, unknown> = { type, src: extra.src, dev, region, name, ...rest, cpu: extra.cpu, file: extra.file, t: extra.t, tid: extra.tid, line: extra.line };
    // mr after cpu, as mmio-parse writes it
    const { mr, ...others } = out;
    return { ...others, ...(mr === undefined ? {} : { mr }) };
  });

describe('Replayer.applyRun', () => {
  it('makes the images feed makes, from runs of NDJSON lines (AccessRuns with mrKeys)', () => {
    let ran = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(full, fc.nat(4)), { maxLength: 20 }), fc.boolean(), (pairs, bigEndian) => {
        const o: ReplayOptions = { origin: 'auto', fill: 0, bigEndian, verifyReads: false };
        const events = pairs.flatMap(([ev, n]) => Array(1 + n).fill(ev) as Record<string, unknown>[]);
        const general = new Replayer(o, () => undefined);
        events.forEach((ev, i) => general.feed(ev as never, 'in', i + 1));
        const bytes = new Replayer(o, () => undefined);
        const buf = Buffer.from(events.map((ev) => stringifyEvent(ev as never) + '\n').join(''));
        const text = buf.toString('latin1');
        const runs = new AccessRuns((b, a) => bytes.runClass(b, a), true);
        const a = newAccessView();
        let line = 1;
        for (let s = 0; s < buf.length; ) {
          const e = runs.match(text, buf, s, buf.length, a);
          if (e >= 0) {
            ran++;
            bytes.applyRun(buf, runs.cls, s, e, runs.headLength(runs.cls));
            line += runs.lines;
            s = e;
            continue;
          }
          const nl = buf.indexOf(10, s);
          if (scanNdjsonAccess(buf, s, buf.length, a) >= 0 && bytes.takesBytes(a)) bytes.feedBytes(buf, a);
          else bytes.feed(JSON.parse(buf.toString('latin1', s, nl)), 'in', line);
          line++;
          s = nl + 1;
        }
        expect(image(bytes, o)).toEqual(image(general, o));
        expect([...bytes.slots.keys()]).toEqual([...general.slots.keys()]);
      }),
      { numRuns: 1000 },
    );
    expect(ran).toBeGreaterThan(300);
  });
});

/** QEMU VFIO lines of the log backend, in the common form or not quite, and some other lines. */
const hex = (n: bigint) => '0x' + n.toString(16);
/** Mostly the first value. */
const often = <T>(common: T, ...rare: T[]) => fc.oneof({ weight: 4, arbitrary: fc.constant(common) }, fc.constantFrom(common, ...rare));
const vfioLine = fc
  .record({
    tid: often('493', '0', '07', '123456789012345'),
    sec: often('1581830830', '0', '4000000000', '3999999999', '01'),
    usec: often('000043', '5', '1234567', '100000'),
    write: often(true, false),
    dev: often('0000:03:00.0', '0000:04:00.0', '03:00.0', 'a+b', 'x:regiony'),
    region: often('2', '0', '7', '02'),
    at: fc.oneof(fc.bigInt({ min: 0n, max: 0xffffn }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
    value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    width: often(4, 1, 2, 8, 3),
    fits: often(true, false),
  })
  .map((l) => {
    const v = l.fits ? l.value & ((1n << BigInt(8 * Math.min(l.width, 8))) - 1n) : l.value;
    const head = `${l.tid}@${l.sec}.${l.usec}:vfio_region_${l.write ? 'write' : 'read'}  (${l.dev}:region${l.region}+${hex(l.at)}, `;
    return l.write ? `${head}${hex(v)}, ${l.width})` : `${head}${l.width}) = ${hex(v)}`;
  });
const traceLine = fc.oneof(
  { weight: 8, arbitrary: vfioLine },
  fc.tuple(vfioLine, fc.nat(), fc.constantFrom('', ' ', '0', 'a', 'A', ',', ')', '\t', 'é')).map(([l, at, ch]) => {
    const i = at % (l.length + 1);
    return at % 2 === 0 ? l.slice(0, i) + ch + l.slice(i) : l.slice(0, i) + ch + l.slice(i + 1);
  }),
  fc.constantFrom('', '493@1581830830.000013:vfio_pci_read_config  (0000:03:00.0, @0x0, len=0x4) 0x43ba14e4', 'hello', '493@1581830830.000127:vfio_msi_interrupt  (0000:03:00.0) vector 0 0xfee00000/0x4021'),
);

describe('mmio-replay on a trace: runs of VFIO lines', () => {
  it('make the images, counts and errors of the general path, under any selection', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { Selection, SelectionPushdown, parseSelectOptions, selects } = await import('@mmio-tools/core');
    const { readInputs } = await import('@mmio-tools/parse');
    const dir = mkdtempSync(join(tmpdir(), 'replay-runs-'));
    let n = 0;
    let ran = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(traceLine, fc.nat(6)), { maxLength: 25 }),
          fc.record({ dev: fc.option(fc.constantFrom('0000:03:00.0', '03:00.0,0000:04:00.0'), { nil: undefined }), region: fc.option(fc.constantFrom('2', '0,7'), { nil: undefined }), type: fc.option(fc.constantFrom('write', 'read,write'), { nil: undefined }) }),
          async (pairs, sel) => {
            // A line repeated with other offsets and values makes a run.
            const lines = pairs.flatMap(([l, k]) => Array.from({ length: 1 + k }, (_, i) => (i === 0 ? l : l.replace(/\+0x[0-9a-f]+/, `+0x${(4 * i).toString(16)}`))));
            const file = join(dir, `t${n++}.log`);
            writeFileSync(file, lines.map((l) => l + '\n').join(''));
            const o: ReplayOptions = { origin: 'auto', fill: 0, bigEndian: false, verifyReads: false };
            const run = async (bytes: boolean) => {
              const so = parseSelectOptions(sel);
              const selection = selects(so) ? new Selection(so) : undefined;
              const r = new Replayer(o, () => undefined);
              const io = { format: 'auto' as const, strict: false, skipInvalid: false, all: false, jobs: 1, tool: 't', quiet: true } as Parameters<typeof readInputs>[2];
              const push = SelectionPushdown.of(selection);
              if (bytes && push !== undefined) {
                const c = r.consumer(push);
                const apply = c.applyTraceRun!;
                c.applyTraceRun = (...a) => {
                  if (a[1] >= 2) ran++;
                  apply(...a);
                };
                io.access = c;
              }
              let res: unknown;
              try {
                const got = await readInputs([file], (ev, _raw, line, f) => (selection === undefined || selection.pass(ev) === 'select') && r.feed(ev as never, f, line), io);
                res = { events: got.events, invalid: got.invalid };
              } catch (e) {
                res = (e as Error).message;
              }
              return { res, image: image(r, o), keys: [...r.slots.keys()], report: selection?.report() };
            };
            expect(await run(true)).toEqual(await run(false));
          },
        ),
        { numRuns: 300 },
      );
      expect(ran).toBeGreaterThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
