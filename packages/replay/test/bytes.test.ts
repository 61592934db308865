/**
 * mmio-replay's byte path (issue 25): writes read as bytes (our NDJSON lines)
 * and applied with feedBytes make the same slots, in the same order, with the
 * same images as the same events given to feed.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { newAccessView, scanNdjsonAccess, stringifyEvent } from '@mmio-tools/core';
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
