/**
 * The v1 event schema shared by every mmio-tools program. One JSON object per
 * line, `type` first. A field always has the same JSON type, or is absent.
 * See docs/events.md for the contract and an example of every type.
 */
import { numberText } from './number.js';

export type AccessType = 'read' | 'write';

export interface AccessEvent {
  type: AccessType;
  /** Which trace event it came from: vfio, vfio-config, vfio-rom, vfio-vga, memory, mmiotrace. */
  src?: string;
  /** PCI address DDDD:BB:DD.F (or the VFIO device name as printed). */
  dev?: string;
  /** VFIO region index: 0-5 BARs, 6 ROM, 7 config space, 8 VGA. */
  region?: number;
  /** Memory-region name of memory_region_ops_* events. */
  name?: string;
  /** Offset inside the region, `0x…`. */
  offset?: string;
  /** Absolute physical address, `0x…`. */
  addr?: string;
  width: number;
  /** Value, `0x…` lowercase without leading zeros. */
  value: string;
  /** Instruction pointer of the access (mmiotrace). */
  pc?: string;
  /** Number of identical consecutive reads this event stands for (mmio-filter --collapse-polls). */
  repeat?: number;
  t?: number;
  tid?: number;
  line?: number;
}

export interface Bar {
  index: number;
  addr: string;
  size: string;
  io?: boolean;
  /** The PCI region flag bits the kernel printed in the low nibble of the start (mmiotrace), when not 0. */
  flags?: string;
}

export interface DeviceEvent {
  type: 'device';
  src?: string;
  dev: string;
  vendor: string;
  device: string;
  irq: number;
  bars: Bar[];
  driver?: string;
  t?: number;
  line?: number;
}

export interface MapEvent {
  type: 'map' | 'unmap';
  src?: string;
  id: number;
  dev?: string;
  region?: number;
  offset?: string;
  addr?: string;
  len?: string;
  virt?: string;
  t?: number;
  line?: number;
}

export interface MarkEvent { type: 'mark'; src?: string; text: string; t?: number; tid?: number; line?: number }
export interface LostEvent { type: 'lost'; src?: string; count: number; t?: number; tid?: number; line?: number }
export interface UnknownOpEvent {
  type: 'unknown-op';
  src?: string;
  dev?: string;
  region?: number;
  offset?: string;
  addr: string;
  opcode: string;
  pc?: string;
  t?: number;
  line?: number;
}
export interface OtherEvent { type: 'event'; src?: string; name: string; args: string; t?: number; tid?: number; line?: number }

export type MmioEvent = AccessEvent | DeviceEvent | MapEvent | MarkEvent | LostEvent | UnknownOpEvent | OtherEvent;

/** Every event type of schema v1. */
export const EVENT_TYPES = ['read', 'write', 'device', 'map', 'unmap', 'mark', 'lost', 'unknown-op', 'event'] as const;

/** Fields first in this order (after `type`), then any other field, then the trailing ones. */
export const LEADING_FIELDS = ['src', 'dev', 'region', 'name', 'offset', 'addr', 'width', 'value'] as const;
export const TRAILING_FIELDS = ['t', 'tid', 'line'] as const;
const PLACED = new Set<string>(['type', ...LEADING_FIELDS, ...TRAILING_FIELDS]);

/** Characters a JSON string must escape (and lone surrogates, which JSON.stringify escapes). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** One JSON value; strings without escapes and numbers are built directly (the hot path). */
function value(v: unknown): string {
  if (typeof v === 'string') return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : '"' + v + '"';
  if (typeof v === 'number') return numberText(v);
  return JSON.stringify(v);
}

/**
 * The JSON member text of a field whose value repeats from one event to the
 * next (type, src, dev, name): the last value and its text are kept, which
 * saves the escape check and the string building for most events.
 */
class Member {
  private last: unknown;
  private text = '';

  constructor(private readonly prefix: string) {}

  of(v: unknown): string {
    if (typeof v !== 'string') return this.prefix + value(v);
    if (v !== this.last) {
      this.last = v;
      this.text = this.prefix + value(v);
    }
    return this.text;
  }
}
const TYPE = new Member('{"type":');
const SRC = new Member(',"src":');
const DEV = new Member(',"dev":');
const NAME = new Member(',"name":');

/** `,"key":` and a string field's JSON: the quotes go with the key, unless the value needs escapes (or is not a string). */
function quoted(keyQuote: string, key: string, v: unknown): string {
  return typeof v === 'string' && !NEEDS_ESCAPE.test(v) ? keyQuote + v + '"' : key + value(v);
}

/** The first fields (type to name) of the last event written, their text and how many there were: they repeat from one event to the next. */
let hType: unknown = Symbol('none'), hSrc: unknown, hDev: unknown, hRegion: unknown, hName: unknown;
let headText = '';
let headKnown = 0;

/** The text of an event's first fields, type to name (sets headKnown to how many it has). */
function head(o: Record<string, unknown>): string {
  if (o.type === hType && o.src === hSrc && o.dev === hDev && o.region === hRegion && o.name === hName) return headText;
  let v: unknown;
  let s = TYPE.of((hType = o.type));
  let known = hType !== undefined ? 1 : 0;
  if ((v = hSrc = o.src) !== undefined) {
    s += SRC.of(v);
    known++;
  }
  if ((v = hDev = o.dev) !== undefined) {
    s += DEV.of(v);
    known++;
  }
  if ((v = hRegion = o.region) !== undefined) {
    s += ',"region":' + value(v);
    known++;
  }
  if ((v = hName = o.name) !== undefined) {
    s += NAME.of(v);
    known++;
  }
  headKnown = known;
  return (headText = s);
}

/**
 * One event as one line of JSON, fields in the canonical order. Unrolled, with
 * the known fields' keys as literals: this runs once per event in every tool
 * that writes events. Other fields are looked for only when the object has
 * more keys than the known fields it has.
 */
export function stringifyEvent(ev: object): string {
  const o = ev as Record<string, unknown>;
  let s = head(o);
  let known = headKnown;
  let v: unknown;
  if ((v = o.offset) !== undefined) {
    s += quoted(',"offset":"', ',"offset":', v);
    known++;
  }
  if ((v = o.addr) !== undefined) {
    s += quoted(',"addr":"', ',"addr":', v);
    known++;
  }
  if ((v = o.width) !== undefined) {
    s += ',"width":' + value(v);
    known++;
  }
  if ((v = o.value) !== undefined) {
    s += quoted(',"value":"', ',"value":', v);
    known++;
  }
  let tail = '';
  if ((v = o.t) !== undefined) {
    tail += ',"t":' + value(v);
    known++;
  }
  if ((v = o.tid) !== undefined) {
    tail += ',"tid":' + value(v);
    known++;
  }
  if ((v = o.line) !== undefined) {
    tail += ',"line":' + value(v);
    known++;
  }
  let keys = 0;
  for (const _ in o) keys++;
  if (keys !== known) {
    for (const k in o) {
      if (PLACED.has(k)) continue;
      if ((v = o[k]) !== undefined) s += ',' + value(k) + ':' + value(v);
    }
  }
  return s + tail + '}';
}

const HEX = /^0x[0-9a-f]+$/;
const WIDTHS = new Set([1, 2, 4, 8]);

/** What a field's value must be; every field has one kind in every event type. */
export type FieldKind = 'string' | 'hex' | 'uint' | 'int' | 'positive' | 'width' | 'number' | 'array';

/** The kind of every field schema v1 defines (other fields are free). */
export const FIELD_KINDS: ReadonlyMap<string, FieldKind> = new Map<string, FieldKind>([
  ['src', 'string'],
  ['dev', 'string'],
  ['region', 'uint'],
  ['name', 'string'],
  ['offset', 'hex'],
  ['addr', 'hex'],
  ['value', 'hex'],
  ['pc', 'hex'],
  ['len', 'hex'],
  ['virt', 'hex'],
  ['width', 'width'],
  ['repeat', 'positive'],
  ['t', 'number'],
  ['tid', 'int'],
  ['line', 'uint'],
  ['id', 'int'],
  ['count', 'uint'],
  ['text', 'string'],
  ['args', 'string'],
  ['opcode', 'string'],
  ['vendor', 'hex'],
  ['device', 'hex'],
  ['irq', 'int'],
  ['driver', 'string'],
  ['bars', 'array'],
]);

const KIND_RULES: Record<FieldKind, [(v: unknown) => boolean, string]> = {
  string: [(v) => typeof v === 'string', 'a string'],
  hex: [(v) => typeof v === 'string' && HEX.test(v), 'a lowercase hex string like "0x1f"'],
  uint: [(v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a non-negative integer'],
  int: [(v) => Number.isSafeInteger(v), 'an integer'],
  positive: [(v) => Number.isSafeInteger(v) && (v as number) >= 1, 'a positive integer'],
  width: [(v) => WIDTHS.has(v as number), '1, 2, 4 or 8'],
  number: [(v) => typeof v === 'number' && Number.isFinite(v), 'a number'],
  array: [Array.isArray, 'an array'],
};

/**
 * Check a parsed JSON value against schema v1. Returns undefined when it is a
 * valid event, else what is wrong, in words.
 */
export function checkEvent(ev: unknown): string | undefined {
  if (typeof ev !== 'object' || ev === null || Array.isArray(ev)) return 'not a JSON object';
  const o = ev as Record<string, unknown>;
  if (typeof o.type !== 'string') return 'no "type" string';
  for (const k in o) {
    const kind = FIELD_KINDS.get(k);
    if (kind === undefined || o[k] === undefined) continue; // an absent field (scanEvent's objects have them as undefined)
    const [ok, what] = KIND_RULES[kind];
    if (!ok(o[k])) return `"${k}" must be ${what}, not ${JSON.stringify(o[k])}`;
  }
  if (o.type === 'read' || o.type === 'write') {
    if (o.width === undefined) return `${o.type} event without "width"`;
    if (o.value === undefined) return `${o.type} event without "value"`;
    if (o.offset === undefined && o.addr === undefined) return `${o.type} event with neither "offset" nor "addr"`;
  } else if (o.type === 'mark' && o.text === undefined) return 'mark event without "text"';
  else if (o.type === 'lost' && o.count === undefined) return 'lost event without "count"';
  return undefined;
}

export function isAccess(ev: { type: string }): ev is AccessEvent {
  return ev.type === 'read' || ev.type === 'write';
}
