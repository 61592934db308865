import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkEvent, decimalNumber, lastLineNormalized, numberText, parseEventLine, scanEvent, stringifyEvent } from '../src/index.js';

/** What JSON.parse and checkEvent make of a line: the event, or undefined when they reject it. */
function slowPath(line: string): Record<string, unknown> | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  return checkEvent(v) === undefined ? (v as Record<string, unknown>) : undefined;
}

/** An object without its undefined fields (the fast path has every field, some undefined). */
const defined = (o: object) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

const hexText = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((n) => '0x' + n.toString(16));
const anyString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('0000:03:00.0', 'vfio', 'e1000-mmio', 'a"b', 'a\\b', '\n', ''));
const anyNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, 1, 2, 4, 8, -1, 1581830830.000043, 2 ** 53, 1e21, 0.1));
const fieldValue: Record<string, fc.Arbitrary<unknown>> = {
  type: fc.oneof(fc.constantFrom('read', 'write', 'mark', 'device'), anyString),
  src: anyString,
  dev: anyString,
  name: anyString,
  region: fc.oneof(fc.nat(8), anyNumber),
  offset: fc.oneof(hexText, anyString),
  addr: fc.oneof(hexText, anyString),
  value: fc.oneof(hexText, hexText.map((h) => h.toUpperCase()), anyString),
  pc: hexText,
  width: fc.oneof(fc.constantFrom(1, 2, 4, 8), anyNumber),
  repeat: fc.oneof(fc.nat(), anyNumber),
  t: fc.oneof(fc.integer({ min: 0, max: 4e15 }).map((us) => us / 1e6), anyNumber),
  tid: fc.oneof(fc.integer(), anyNumber),
  line: fc.oneof(fc.nat(), anyNumber),
  text: anyString,
};
const anyEvent = fc.record(fieldValue, { requiredKeys: [] });

/** An offset or address that no access of up to 8 bytes takes past 2^64. */
const placeText = fc.bigInt({ min: 0n, max: (1n << 64n) - 9n }).map((n) => '0x' + n.toString(16));

/** A valid access event in the shape our tools write: a value that fits its width. */
const accessEvent = fc.record(
  {
    type: fc.constantFrom('read', 'write'),
    src: fc.constantFrom('vfio', 'memory', 'mmiotrace'),
    dev: fc.constantFrom('0000:03:00.0', '0000:00:1f.3'),
    region: fc.nat(8),
    name: fc.constantFrom('e1000-mmio', 'héllo wörld', '🙂'),
    offset: placeText,
    addr: placeText,
    width: fc.constantFrom(1, 2, 4, 8),
    value: hexText,
    cpu: fc.integer({ min: -1, max: 255 }),
    mr: hexText,
    raw: hexText,
    pc: hexText,
    file: fc.constantFrom('a.log', 'dir/b.log.gz'),
    repeat: fc.integer({ min: 1, max: 1e9 }),
    t: fc.integer({ min: 1, max: 4e15 }).map((us) => us / 1e6),
    tid: fc.nat(),
    line: fc.nat(),
  },
  { requiredKeys: ['type', 'offset', 'width', 'value'] },
).map((ev) => ({ ...ev, value: '0x' + (BigInt(ev.value) & ((1n << BigInt(8 * ev.width)) - 1n)).toString(16) }));

describe('decimalNumber', () => {
  it('reads decimals exactly as Number() does', () => {
    const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
    fc.assert(
      fc.property(digits(1, 20), fc.option(digits(0, 25)), (whole, frac) => {
        const text = frac === null ? whole : `${whole}.${frac}`;
        expect(Object.is(decimalNumber(`x${text}y`, 1, text.length + 1), Number(text))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads every microsecond timestamp exactly, and numberText prints it as String() does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 52 }), (us) => {
        const text = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
        const v = decimalNumber(text, 0, text.length);
        expect(v).toBe(Number(text));
        expect(numberText(v)).toBe(String(v));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('scanEvent, the fast path of reading an event line', () => {
  it('takes the lines our tools write, with the values JSON.parse gives', () => {
    fc.assert(
      fc.property(accessEvent, (ev) => {
        const line = stringifyEvent(ev);
        const fast = scanEvent(line);
        expect(fast).toBeDefined();
        expect(defined(fast!)).toEqual(JSON.parse(line));
      }),
      { numRuns: 1000 },
    );
  });

  it('reads a time of any digits exactly as JSON.parse does, also in runs within one second', () => {
    const whole = fc.oneof(fc.constantFrom('0', '1581830830', '4294967296', '999999999999999'), fc.bigInt({ min: 1n, max: 10n ** 15n - 1n }).map(String));
    const frac = fc.oneof(fc.constant(undefined), fc.stringMatching(/^\d{1,25}$/));
    fc.assert(
      fc.property(fc.array(fc.tuple(whole, frac), { minLength: 1, maxLength: 5 }), (times) => {
        for (const [w, f] of times) {
          const line = `{"type":"read","offset":"0x0","width":1,"value":"0x0","t":${w}${f === undefined ? '' : '.' + f}}`;
          expect(scanEvent(line)?.t).toBe(JSON.parse(line).t);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts only what JSON.parse and checkEvent accept, with the same values', () => {
    const lines = fc.oneof(
      anyEvent.map((ev) => JSON.stringify(ev)),
      anyEvent.map((ev) => stringifyEvent(ev)),
      // damaged lines: a character dropped, doubled or replaced
      fc.tuple(accessEvent.map(stringifyEvent), fc.nat(), fc.constantFrom('', '"', ',', ':', '}', '{', ' ', '\\', '0', '3', '.', 'e', '-', 'x', 'A')).map(
        ([l, at, c]) => {
          const i = at % l.length;
          return l.slice(0, i) + c + l.slice(i + (c === '' ? 1 : 0));
        },
      ),
    );
    fc.assert(
      fc.property(lines, (line) => {
        const fast = scanEvent(line);
        if (fast === undefined) return;
        const slow = slowPath(line);
        expect(slow).toBeDefined();
        expect(defined(fast)).toEqual(slow);
      }),
      { numRuns: 5000 },
    );
  });

  it('leaves lines outside its shape to the full parser, which still reads or rejects them', () => {
    for (const line of [
      '{"type":"write", "offset":"0x1","width":4,"value":"0x2"}', // whitespace
      '{"type":"write","width":4,"offset":"0x1","value":"0x2"}', // another order of the fields
      '{"type":"write","offset":"0x1","width":4,"value":"0x2","reg":"CTRL"}', // another field
      '{"type":"mark","text":"a\\"b"}', // an escape
      '{"type":"write","offset":"0x1","width":4,"value":"0x2","t":1e3}', // an exponent
      '{"type":"write","offset":"0x1","width":4,"value":"0x2","tid":-5.0}', // a sign and a fraction
      '{"type":"write","offset":"0x1","width":4,"value":"0x2","width":8}', // a duplicate: the last one counts
    ]) {
      expect(scanEvent(line), line).toBeUndefined();
      expect(parseEventLine(line), line).toEqual(JSON.parse(line));
    }
    for (const [line, why] of [
      ['{"type":"write","offset":"0x1","width":3,"value":"0x2"}', '"width" must be 1, 2, 4 or 8, not 3'],
      ['{"type":"write","offset":"0x1","width":4,"value":"0xg2"}', '"value" must be a hex string of at most 64 bits like "0x1f", not "0xg2"'],
      ['{"type":"write","offset":"0x1","width":1,"value":"0x100"}', 'value 0x100 does not fit in 1 byte'],
      ['{"type":"write","offset":"0xffffffffffffffff","width":2,"value":"0x1"}', 'offset 0xffffffffffffffff + width 2 ends past 2^64'],
      ['{"type":"write","offset":"0x1","width":4,"value":"0x10000000000000000"}', '"value" must be a hex string of at most 64 bits'],
      ['{"type":"write","offset":"0x1","width":4,"value":1.5}', '"value" must be a hex string'],
      ['{"type":"write","offset":"0x1","width":4,"value":-1}', '"value" must be a hex string'],
      ['{"type":"write","offset":"0x1","width":4,"value":9007199254740992}', '"value" must be a hex string'],
      ['{"type":"write","offset":"0x1","width":4,"value":"0x2","t":1e400}', '"t" is out of range (a number past ±1.8e308); it must be a number'],
      ['{"type":"write","offset":"0x1","width":4}', 'write event without "value"'],
      ['{"type":"read","offset":"0x1","width":4,"value":"0x2","line":01}', 'invalid JSON'],
      ['{"type":"read","offset":"0x1","width":4,"value":"0x2"}x}', 'invalid JSON'],
    ]) {
      expect(scanEvent(line!), line).toBeUndefined();
      expect(parseEventLine(line!), line).toContain(why);
    }
  });

  it('reads hex written another way (upper case, leading zeros, JSON integers) in the canonical form, and says so', () => {
    for (const [line, want] of [
      ['{"type":"write","offset":"0X00A5","width":4,"value":"0xFF"}', { offset: '0xa5', value: '0xff' }],
      ['{"type":"write","offset":16,"width":4,"value":255}', { offset: '0x10', value: '0xff' }],
      ['{"type":"read","addr":"0x0000000000000000000000001","width":8,"value":"0x00"}', { addr: '0x1', value: '0x0' }],
      ['{"type":"write","offset":9007199254740991,"width":8,"value":"0x1"}', { offset: '0x1fffffffffffff' }],
    ] as const) {
      const ev = parseEventLine(line);
      expect(ev, line).toMatchObject(want);
      expect(lastLineNormalized).toBe(true);
    }
    parseEventLine('{"type":"write","offset":"0x1","width":4,"value":"0x2"}');
    expect(lastLineNormalized).toBe(false);
  });

  it('refuses lines that nest deeper than 64 levels, before parsing them', () => {
    expect(parseEventLine(`{"type":"mark","text":"x","deep":${'['.repeat(100000)}${']'.repeat(100000)}}`)).toBe('nests arrays or objects deeper than 64 levels');
    expect(parseEventLine(`{"type":"mark","text":"${'['.repeat(1000)}"}`)).toMatchObject({ type: 'mark' });
  });
});

describe('stringifyEvent', () => {
  const key = fc.oneof(fc.constantFrom('type', 'src', 'dev', 'region', 'name', 'offset', 'addr', 'width', 'value', 'pc', 'repeat', 't', 'tid', 'line', 'text', 'reg'), fc.string().filter((k) => !/^\d+$/.test(k))); // (JSON.parse puts integer keys first)
  const anyValue = fc.oneof(anyString, anyNumber, fc.constant(undefined), fc.boolean(), fc.array(fc.nat(), { maxLength: 3 }));

  it('writes the JSON of the defined fields: type, the leading fields, any others in object order, then t, tid, line', () => {
    const LEADING = ['type', 'src', 'dev', 'region', 'name', 'offset', 'addr', 'width', 'value'];
    const TRAILING = ['t', 'tid', 'line'];
    fc.assert(
      fc.property(fc.oneof(accessEvent.map((ev) => ({ ...ev }) as Record<string, unknown>), fc.dictionary(key, anyValue)), fc.dictionary(key, anyValue, { maxKeys: 3 }), (base, more) => {
        const ev: Record<string, unknown> = { ...base, ...more };
        ev.type ??= 'write';
        const line = stringifyEvent(ev);
        const want = JSON.parse(JSON.stringify(ev)) as Record<string, unknown>; // undefined fields dropped, -0 as 0
        expect(JSON.parse(line)).toEqual(want);
        const keys = Object.keys(want);
        const order = [...LEADING.filter((k) => k in want), ...keys.filter((k) => !LEADING.includes(k) && !TRAILING.includes(k)), ...TRAILING.filter((k) => k in want)];
        expect(Object.keys(JSON.parse(line))).toEqual(order);
      }),
      { numRuns: 3000 },
    );
  });
});
