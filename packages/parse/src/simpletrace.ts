/**
 * QEMU's `simple` trace backend, binary format version 4 (trace/simple.c,
 * scripts/simpletrace.py). All integers are host-endian (little-endian here):
 *   header:  u64 0xffffffffffffffff, u64 magic 0xf2b177cb0aa429b4, u64 version (4)
 *   records: u64 type; 0 = mapping: u64 event id, u32 name length, name
 *                      1 = event:   u64 event id, u64 timestamp ns, u32 record length
 *                                   (from the event id on), u32 pid, arguments
 *   arguments: strings as u32 length + bytes, every other argument as a u64.
 *   event id 0xfffffffffffffffe is a dropped-events record with one u64 count.
 * The mapping records name the events, so no trace-events file is needed.
 */
import { accessProblem, decodeBytes, toHex, type AccessEvent, type MmioEvent } from '@mmio-tools/core';
import { MalformedLine, WIDTHS, keepGuestBytes, normalizeDev } from './common.js';

export const SIMPLE_MAGIC = 0xf2b177cb0aa429b4n;
const HEADER_ID = 0xffffffffffffffffn;
const DROPPED_ID = 0xfffffffffffffffen;
const RECORD_HEADER = 24; // event id, timestamp, length, pid
/** QEMU's simple backend writes records from a 256 KiB buffer: a longer one is a broken file, not data to wait for. */
const MAX_RECORD = 1 << 20;
/** Event names are identifiers: a longer one is a broken file. */
const MAX_NAME = 1 << 16;

/** True when the bytes start with a simpletrace header. */
export function isSimpleTrace(head: Buffer): boolean {
  return head.length >= 16 && head.readBigUInt64LE(0) === HEADER_ID && head.readBigUInt64LE(8) === SIMPLE_MAGIC;
}

type Arg = 's' | 'u';
/** Argument kinds of the events we decode, in trace-events order (a Map: names come from the input). */
const SIGNATURES = new Map<string, Arg[]>([
  ['vfio_region_write', ['s', 'u', 'u', 'u', 'u']], // name, index, addr, data, size
  ['vfio_region_read', ['s', 'u', 'u', 'u', 'u']], // name, index, addr, size, data
  ['vfio_pci_read_config', ['s', 'u', 'u', 'u']], // name, addr, len, val
  ['vfio_pci_write_config', ['s', 'u', 'u', 'u']], // name, addr, val, len
  ['vfio_rom_read', ['s', 'u', 'u', 'u']], // name, addr, size, data
  ['vfio_vga_read', ['u', 'u', 'u']], // addr, size, data
  ['vfio_vga_write', ['u', 'u', 'u']], // addr, data, size
  ['memory_region_ops_read', ['u', 'u', 'u', 'u', 'u', 's']], // cpu, mr, addr, value, size[, name]
  ['memory_region_ops_write', ['u', 'u', 'u', 'u', 'u', 's']],
]);
/** Events whose last argument older QEMU did not have (memory_region_ops_* before the name). */
const OPTIONAL_LAST = new Set(['memory_region_ops_read', 'memory_region_ops_write']);

const MASK32 = 0xffffffffn;

function decodeArgs(buf: Buffer, sig: Arg[], event: string): (string | bigint)[] {
  const out: (string | bigint)[] = [];
  let p = 0;
  for (const kind of sig) {
    if (p === buf.length && out.length === sig.length - 1 && OPTIONAL_LAST.has(event)) break; // older QEMU: memory_region_ops_* without the name
    if (kind === 's') {
      if (p + 4 > buf.length) throw new MalformedLine(`${event}: truncated string argument`);
      const n = buf.readUInt32LE(p);
      if (p + 4 + n > buf.length) throw new MalformedLine(`${event}: truncated string argument`);
      out.push(decodeBytes(buf, p + 4, p + 4 + n)); // byte-exact: invalid UTF-8 kept (core's utf8.ts)
      p += 4 + n;
    } else {
      if (p + 8 > buf.length) throw new MalformedLine(`${event}: truncated argument`);
      out.push(buf.readBigUInt64LE(p));
      p += 8;
    }
  }
  return out;
}

function width(event: string, w: bigint): number {
  const n = Number(w & MASK32);
  if (!WIDTHS.has(n)) throw new MalformedLine(`${event}: width ${n} is not 1, 2, 4 or 8`);
  return n;
}

const hx = (v: bigint) => toHex(v);

/** A u64 argument that is an index or a count: at most 2^53 - 1. */
function index(event: string, what: string, v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new MalformedLine(`${event}: ${what} ${v} is not an integer below 2^53`);
  return Number(v);
}

/** The access event of a known QEMU event, checked: a value that fits its width. */
function accessOf(name: string, a: (string | bigint)[], t: number): MmioEvent | undefined {
  const ev = rawAccessOf(name, a, t);
  if (ev && name === 'memory_region_ops_read') keepGuestBytes(ev);
  if (ev) {
    const problem = accessProblem(ev.width, ev.value, ev.offset, ev.addr);
    if (problem !== undefined) throw new MalformedLine(`${name}: ${problem}`);
  }
  return ev;
}

/** Build the access event of a known QEMU event from its decoded arguments. */
function rawAccessOf(name: string, a: (string | bigint)[], t: number): AccessEvent | undefined {
  const s = (i: number) => a[i] as string;
  const u = (i: number) => a[i] as bigint;
  switch (name) {
    case 'vfio_region_write':
      return { type: 'write', src: 'vfio', dev: normalizeDev(s(0)), region: index(name, 'region', u(1)), offset: hx(u(2)), width: width(name, u(4)), value: hx(u(3)), t };
    case 'vfio_region_read':
      return { type: 'read', src: 'vfio', dev: normalizeDev(s(0)), region: index(name, 'region', u(1)), offset: hx(u(2)), width: width(name, u(3)), value: hx(u(4)), t };
    case 'vfio_pci_read_config':
      return { type: 'read', src: 'vfio-config', dev: normalizeDev(s(0)), region: 7, offset: hx(u(1) & MASK32), width: width(name, u(2)), value: hx(u(3) & MASK32), t };
    case 'vfio_pci_write_config':
      return { type: 'write', src: 'vfio-config', dev: normalizeDev(s(0)), region: 7, offset: hx(u(1) & MASK32), width: width(name, u(3)), value: hx(u(2) & MASK32), t };
    case 'vfio_rom_read':
      return { type: 'read', src: 'vfio-rom', dev: normalizeDev(s(0)), region: 6, offset: hx(u(1)), width: width(name, u(2)), value: hx(u(3)), t };
    case 'vfio_vga_read':
      return { type: 'read', src: 'vfio-vga', region: 8, offset: hx(u(0)), width: width(name, u(1)), value: hx(u(2)), t };
    case 'vfio_vga_write':
      return { type: 'write', src: 'vfio-vga', region: 8, offset: hx(u(0)), width: width(name, u(2)), value: hx(u(1)), t };
    case 'memory_region_ops_read':
    case 'memory_region_ops_write':
      return {
        type: name.endsWith('read') ? 'read' : 'write',
        src: 'memory',
        name: a.length > 5 ? s(5) : undefined,
        addr: hx(u(2)),
        width: width(name, u(4)),
        value: hx(u(3)),
        cpu: Number(BigInt.asIntN(32, u(0))),
        mr: hx(u(1)),
        t,
      };
    default:
      return undefined;
  }
}

export interface SimpleRecordSink {
  /** An event with its record number; `undefined` never passed. */
  event(ev: MmioEvent, record: number): void;
  /** Other events (for --all): the name and the raw argument bytes, as hex in file order. */
  other(name: string, args: string, t: number, record: number): void;
  /** A malformed record (bad arguments of a known event). */
  malformed(err: MalformedLine, record: number): void;
}

/**
 * Decode a simpletrace file from its chunks, calling the sink for each record
 * in order. Throws MalformedLine (with a record number in `.record`) for a
 * broken header or a truncated file.
 */
export async function decodeSimpleTrace(
  chunks: AsyncIterable<Buffer>,
  sink: SimpleRecordSink,
  afterChunk?: () => Promise<void> | void,
): Promise<number> {
  const names = new Map<bigint, string>();
  let buf: Buffer = Buffer.alloc(0);
  let headerDone = false;
  let record = 0;
  for await (const chunk of chunks) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let p = 0;
    if (!headerDone) {
      if (buf.length < 24) continue;
      if (!isSimpleTrace(buf)) throw Object.assign(new MalformedLine('not a simpletrace file (bad header magic)'), { record: undefined });
      const version = buf.readBigUInt64LE(16);
      if (version !== 4n) {
        throw Object.assign(new MalformedLine(`simpletrace version ${version} is not supported (only version 4, QEMU 2.12 and later)`), { record: undefined });
      }
      p = 24;
      headerDone = true;
    }
    for (;;) {
      if (p + 8 > buf.length) break;
      const type = buf.readBigUInt64LE(p);
      if (type === 0n) {
        if (p + 20 > buf.length) break;
        const n = buf.readUInt32LE(p + 16);
        if (n > MAX_NAME) throw Object.assign(new MalformedLine(`mapping record: name length ${n} is past ${MAX_NAME} bytes`), { record: record + 1 });
        if (p + 20 + n > buf.length) break;
        names.set(buf.readBigUInt64LE(p + 8), buf.toString('utf8', p + 20, p + 20 + n));
        p += 20 + n;
        record++;
        continue;
      }
      if (type !== 1n) throw Object.assign(new MalformedLine(`unknown record type ${type}`), { record: record + 1 });
      if (p + 8 + RECORD_HEADER > buf.length) break;
      const id = buf.readBigUInt64LE(p + 8);
      const ns = buf.readBigUInt64LE(p + 16);
      const len = buf.readUInt32LE(p + 24);
      if (len < RECORD_HEADER) throw Object.assign(new MalformedLine(`record length ${len} is shorter than its header`), { record: record + 1 });
      if (len > MAX_RECORD) throw Object.assign(new MalformedLine(`record length ${len} is past the ${MAX_RECORD} bytes a QEMU record can have`), { record: record + 1 });
      if (p + 8 + len > buf.length) break;
      const args = buf.subarray(p + 8 + RECORD_HEADER, p + 8 + len);
      p += 8 + len;
      record++;
      const t = Number(ns) / 1e9;
      if (id === DROPPED_ID) {
        const count = args.length >= 8 ? args.readBigUInt64LE(0) : 0n;
        if (count > BigInt(Number.MAX_SAFE_INTEGER)) {
          sink.malformed(new MalformedLine(`dropped-events record: count ${count} is not an integer below 2^53`), record);
          continue;
        }
        sink.event({ type: 'lost', src: 'simpletrace', count: Number(count), t }, record);
        continue;
      }
      const name = names.get(id) ?? `event_${id}`;
      const sig = SIGNATURES.get(name);
      if (!sig) {
        sink.other(name, args.toString('hex'), t, record);
        continue;
      }
      try {
        const ev = accessOf(name, decodeArgs(args, sig, name), t);
        if (ev) sink.event(ev, record);
      } catch (e) {
        if (e instanceof MalformedLine) sink.malformed(e, record);
        else throw e;
      }
    }
    buf = p === buf.length ? Buffer.alloc(0) : buf.subarray(p);
    if (afterChunk) await afterChunk();
  }
  if (buf.length > 0 || !headerDone) {
    throw Object.assign(new MalformedLine(headerDone ? 'truncated record at end of file' : 'truncated simpletrace header'), { record: record + 1 });
  }
  return record;
}
