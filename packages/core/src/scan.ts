/**
 * The fast path of reading an event line. Almost every line a tool reads is a
 * read or write written by another mmio-tools program: a flat object whose
 * strings need no escapes and whose numbers are plain. `scanEvent` reads
 * exactly such a line in one pass, checking the schema as it goes, and is about
 * twice as fast as `JSON.parse` plus `checkEvent`. Any other line —
 * other event types or fields, escapes, whitespace, exponents, a duplicate key, a missing
 * field, or anything invalid — is left to `JSON.parse` and `checkEvent`, which
 * decide and word the error. So this accepts a subset of what they accept,
 * with the same values (tested against them in packages/core/test).
 */
import { FIELD_KINDS, type FieldKind } from './events.js';
import { decimalNumber } from './number.js';

type Ev = Record<string, unknown> & { type: string };

/** The fields the fast path reads, in the order of the objects it builds. */
const SLOTS = ['type', 'src', 'dev', 'region', 'name', 'offset', 'addr', 'width', 'value', 'pc', 'repeat', 't', 'tid', 'line'] as const;
const SLOT_OF = new Map<string, number>(SLOTS.map((k, i) => [k, i]));
const KIND: FieldKind[] = SLOTS.map((k) => (k === 'type' ? 'string' : FIELD_KINDS.get(k)!));
const [TYPE, OFFSET, ADDR, WIDTH, VALUE] = (['type', 'offset', 'addr', 'width', 'value'] as const).map((k) => SLOT_OF.get(k)!) as [number, number, number, number, number];

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const POINT = 46;

/** The values of the line being read, by slot. */
const vals: unknown[] = SLOTS.map(() => undefined);
/** The keys of the previous line by position, and their slots: lines come in one shape. */
const seenKey: string[] = [];
const seenSlot: number[] = [];

/** Is `key` at raw[at] followed by a quote? (A loop: faster than startsWith for short keys.) */
function keyAt(raw: string, at: number, key: string): boolean {
  const n = key.length;
  for (let j = 0; j < n; j++) if (raw.charCodeAt(at + j) !== key.charCodeAt(j)) return false;
  return raw.charCodeAt(at + n) === QUOTE;
}

/** End (the closing quote) of a string value without escapes starting at `s`, or -1. */
function stringEnd(raw: string, s: number): number {
  for (let j = s; j < raw.length; j++) {
    const c = raw.charCodeAt(j);
    if (c === QUOTE) return j;
    if (c === BACKSLASH || c < 32) return -1;
  }
  return -1;
}

/** End (the closing quote) of a `0x…` lowercase hex value starting at `s`, or -1. */
function hexEnd(raw: string, s: number): number {
  if (raw.charCodeAt(s) !== 48 || raw.charCodeAt(s + 1) !== 120) return -1;
  let j = s + 2;
  for (; j < raw.length; j++) {
    const c = raw.charCodeAt(j);
    if (c === QUOTE) return j === s + 2 ? -1 : j;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return -1;
  }
  return -1;
}

/**
 * Read one event line of the plain shape described above; undefined when the
 * line is anything else (the caller then parses it in full). Fields the line
 * does not have are present as `undefined` in the object.
 */
export function scanEvent(raw: string): Ev | undefined {
  const n = raw.length;
  if (n < 2 || raw.charCodeAt(0) !== 123 || raw.charCodeAt(n - 1) !== 125) return undefined;
  vals.fill(undefined);
  let seen = 0;
  let i = 1;
  for (let k = 0; ; k++) {
    if (raw.charCodeAt(i) !== QUOTE) return undefined;
    let slot: number;
    const key = seenKey[k];
    if (key !== undefined && keyAt(raw, i + 1, key)) {
      slot = seenSlot[k]!;
      i += key.length + 2;
    } else {
      const ke = raw.indexOf('"', i + 1);
      if (ke === -1) return undefined;
      const name = raw.slice(i + 1, ke);
      const s = SLOT_OF.get(name);
      if (s === undefined) return undefined;
      seenKey[k] = name;
      seenSlot[k] = s;
      slot = s;
      i = ke + 1;
    }
    if (raw.charCodeAt(i++) !== COLON) return undefined;
    if (seen & (1 << slot)) return undefined;
    seen |= 1 << slot;
    const kind = KIND[slot];
    if (kind === 'string' || kind === 'hex') {
      if (raw.charCodeAt(i) !== QUOTE) return undefined;
      const s = i + 1;
      const e = kind === 'hex' ? hexEnd(raw, s) : stringEnd(raw, s);
      if (e === -1) return undefined;
      vals[slot] = raw.slice(s, e);
      i = e + 1;
    } else {
      // A JSON number without sign or exponent; integers of at most 15 digits.
      let j = i;
      let num = 0;
      let c = raw.charCodeAt(j);
      while (c >= 48 && c <= 57) {
        num = num * 10 + (c - 48);
        c = raw.charCodeAt(++j);
      }
      const digits = j - i;
      if (digits === 0 || digits > 15 || (digits > 1 && raw.charCodeAt(i) === 48)) return undefined;
      if (c === POINT) {
        if (kind !== 'number') return undefined;
        const f = ++j;
        while ((c = raw.charCodeAt(j)) >= 48 && c <= 57) j++;
        if (j === f) return undefined;
        vals[slot] = decimalNumber(raw, i, j);
      } else {
        if (kind === 'width' ? num !== 1 && num !== 2 && num !== 4 && num !== 8 : kind === 'positive' && num === 0) return undefined;
        vals[slot] = num;
      }
      if (c === 101 || c === 69) return undefined;
      i = j;
    }
    const c = raw.charCodeAt(i);
    if (c === COMMA) i++;
    else if (i === n - 1) break;
    else return undefined;
  }
  // Only accesses, with what checkEvent requires of them; other events are rarer and varied.
  const type = vals[TYPE];
  if (type !== 'read' && type !== 'write') return undefined;
  if (vals[WIDTH] === undefined || vals[VALUE] === undefined || (vals[OFFSET] === undefined && vals[ADDR] === undefined)) return undefined;
  const v = vals;
  return {
    type: type as string,
    src: v[1],
    dev: v[2],
    region: v[3],
    name: v[4],
    offset: v[5],
    addr: v[6],
    width: v[7],
    value: v[8],
    pc: v[9],
    repeat: v[10],
    t: v[11],
    tid: v[12],
    line: v[13],
  };
}
