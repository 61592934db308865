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

/** One event as one line of JSON, fields in the canonical order. */
export function stringifyEvent(ev: object): string {
  const o = ev as Record<string, unknown>;
  let s = '{"type":' + value(o.type);
  let v: unknown;
  // Unrolled: this runs once per event in every tool that writes events.
  if ((v = o.src) !== undefined) s += ',"src":' + value(v);
  if ((v = o.dev) !== undefined) s += ',"dev":' + value(v);
  if ((v = o.region) !== undefined) s += ',"region":' + value(v);
  if ((v = o.name) !== undefined) s += ',"name":' + value(v);
  if ((v = o.offset) !== undefined) s += ',"offset":' + value(v);
  if ((v = o.addr) !== undefined) s += ',"addr":' + value(v);
  if ((v = o.width) !== undefined) s += ',"width":' + value(v);
  if ((v = o.value) !== undefined) s += ',"value":' + value(v);
  for (const k in o) {
    if (PLACED.has(k)) continue;
    if ((v = o[k]) !== undefined) s += ',' + value(k) + ':' + value(v);
  }
  if ((v = o.t) !== undefined) s += ',"t":' + value(v);
  if ((v = o.tid) !== undefined) s += ',"tid":' + value(v);
  if ((v = o.line) !== undefined) s += ',"line":' + value(v);
  return s + '}';
}

const HEX = /^0x[0-9a-f]+$/;
const WIDTHS = new Set([1, 2, 4, 8]);

type Check = (v: unknown) => boolean;
const isStr: Check = (v) => typeof v === 'string';
const isHex: Check = (v) => typeof v === 'string' && HEX.test(v);
const isNum: Check = (v) => typeof v === 'number' && Number.isFinite(v);
const isInt: Check = (v) => Number.isSafeInteger(v);
const isCount: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;

/** Field type rules of schema v1 (a field has the same JSON type in every event type). */
const FIELD_RULES: Record<string, [Check, string]> = {
  src: [isStr, 'a string'],
  dev: [isStr, 'a string'],
  region: [(v) => isInt(v) && (v as number) >= 0, 'a non-negative integer'],
  name: [isStr, 'a string'],
  offset: [isHex, 'a lowercase hex string like "0x1f"'],
  addr: [isHex, 'a lowercase hex string like "0x1f"'],
  value: [isHex, 'a lowercase hex string like "0x1f"'],
  pc: [isHex, 'a lowercase hex string like "0x1f"'],
  len: [isHex, 'a lowercase hex string like "0x1f"'],
  virt: [isHex, 'a lowercase hex string like "0x1f"'],
  width: [(v) => WIDTHS.has(v as number), '1, 2, 4 or 8'],
  repeat: [(v) => isInt(v) && (v as number) >= 1, 'a positive integer'],
  t: [isNum, 'a number'],
  tid: [isInt, 'an integer'],
  line: [isCount, 'a non-negative integer'],
  id: [isInt, 'an integer'],
  count: [isCount, 'a non-negative integer'],
  text: [isStr, 'a string'],
  args: [isStr, 'a string'],
  opcode: [isStr, 'a string'],
  vendor: [isHex, 'a lowercase hex string like "0x1f"'],
  device: [isHex, 'a lowercase hex string like "0x1f"'],
  irq: [isInt, 'an integer'],
  driver: [isStr, 'a string'],
  bars: [Array.isArray, 'an array'],
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
    const rule = FIELD_RULES[k];
    if (rule && !rule[0](o[k])) return `"${k}" must be ${rule[1]}, not ${JSON.stringify(o[k])}`;
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
