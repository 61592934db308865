import { open, type FileHandle } from 'node:fs/promises';
import { InputError, UsageError, newAccessView, scanNdjsonAccess, toHex, writeAtomic, type AccessConsumer, type AccessView, type SelectionPushdown } from '@mmio-tools/core';
import { PAGE, SparseImage, bytesValue, valueBytes } from './image.js';

export type Origin = bigint | 'first' | 'min' | 'auto';

export interface ReplayOptions {
  origin: Origin;
  fill: number;
  size?: bigint;
  bigEndian: boolean;
  verifyReads: boolean;
}

type Ev = Record<string, unknown> & { type: string };

/** The (dev, region, name) an access belongs to. */
export interface RegionKey {
  dev?: string;
  region?: number;
  name?: string;
  mr?: string;
}

/**
 * The region key of an access: dev, region and name; where a memory-region
 * access has no name (QEMU versions that print none), its MemoryRegion
 * pointer `mr` tells the regions apart.
 */
export function keyOf(ev: Ev): string {
  const mr = ev.name === undefined && ev.mr !== undefined ? ev.mr : null;
  return JSON.stringify([ev.dev ?? null, ev.region ?? null, ev.name ?? null, mr]);
}

type KeyTuple = [string | null, number | null, string | null, string | null];

export function describeKey(k: string): string {
  const [dev, region, name, mr] = JSON.parse(k) as KeyTuple;
  const parts = [];
  if (dev !== null) parts.push(`dev ${dev}`);
  if (region !== null) parts.push(`region ${region}`);
  if (name !== null) parts.push(`name ${name}`);
  if (mr !== null) parts.push(`mr ${mr}`);
  return parts.length ? parts.join(' ') : '(no dev/region/name)';
}

function keyFields(k: string): RegionKey {
  const [dev, region, name, mr] = JSON.parse(k) as KeyTuple;
  return { dev: dev ?? undefined, region: region ?? undefined, name: name ?? undefined, mr: mr ?? undefined };
}

export interface Slot {
  image: SparseImage;
  key: string;
  /** Its writes gave absolute addresses (no offset): memory-region events. */
  byAddress?: boolean;
}

/**
 * Applies write events, in order, to one sparse image per region key, and
 * checks reads against them. Pure state; `writeImage` puts an image on disk.
 */
export class Replayer {
  readonly slots = new Map<string, Slot>();
  /** The last event's (dev, region, name) and key: accesses come in long runs to one region. */
  private lastFields: [unknown, unknown, unknown, unknown] = [undefined, undefined, undefined, undefined];
  private lastKey = '';

  /** Writes need no check against the origin here: it is 0, or found from the writes (first, min, auto). */
  private readonly noOriginCheck: boolean;

  constructor(
    private readonly o: ReplayOptions,
    private readonly onMismatch: (ev: Ev, image: string) => void,
  ) {
    this.noOriginCheck = typeof o.origin !== 'bigint' || o.origin === 0n;
  }

  /** The region fields of the last write taken as bytes, and its slot: accesses come in long runs to one region. */
  private bDev = new Uint8Array(0);
  private bRegion = -2;
  private bName = new Uint8Array(0);
  private bMr = new Uint8Array(0);
  private bHasDev = false;
  private bHasName = false;
  private bHasMr = false;
  private bSlot: Slot | undefined;

  /**
   * Can this access (read as bytes, issue 25) be taken by feedBytes? A write
   * at an offset or address of at most 13 hex digits (a number below 2^52)
   * when no origin is to be checked; a read when reads are not verified.
   */
  takesBytes(a: AccessView): boolean {
    if (!a.write) return !this.o.verifyReads;
    return this.noOriginCheck && a.atE - a.atS <= 15;
  }

  /** Apply a write read as bytes (see takesBytes), exactly as `feed` applies its event. */
  feedBytes(buf: Buffer, a: AccessView): void {
    if (!a.write) return;
    const slot = this.slotFor(buf, a);
    let addr = 0;
    for (let i = a.atS + 2; i < a.atE; i++) addr = addr * 16 + hexDigit(buf[i]!);
    slot.image.writeHexBytes(addr, buf, a.valS + 2, a.valE, a.width, this.o.bigEndian);
  }

  /**
   * The replayer as a reader's byte path (issue 25): accesses (our NDJSON's, a
   * trace's) selected with `push` (null: all) and applied straight from their
   * bytes, a line or a run of lines at a time.
   */
  consumer(push: SelectionPushdown | null): AccessConsumer {
    return {
      traces: true,
      accepts: (_buf, a) => this.takesBytes(a),
      apply: (buf, a) => {
        if (push !== null && !push.take(a, buf)) return;
        this.feedBytes(buf, a);
      },
      // Runs of lines of one class: left out (0), or the replayer's (see runClass).
      runs: () => this.takesRuns && (push === null || push.runs),
      mrKeys: true,
      runClass: (buf, a) => (push !== null && !push.select(a, buf) ? 0 : this.runClass(buf, a)),
      applyRun: (buf, cls, s, e, lines, head) => {
        if (cls === 0) return;
        push?.selectedRun(lines);
        this.applyRun(buf, cls, s, e, head);
      },
      applyTraceRun: (buf, cls, s, e, lines, head) => {
        if (cls === 0) return;
        push?.selectedRun(lines);
        this.applyTraceRun(buf, cls, s, e, head);
      },
    };
  }

  /** May runs of NDJSON writes be applied (feedRun)? When feedBytes takes every access (no origin to check, reads not verified). */
  get takesRuns(): boolean {
    return this.noOriginCheck && !this.o.verifyReads;
  }

  /** The slots that runs of writes go to (runClass). */
  private runSlots: Slot[] = [];
  private readonly runView = newAccessView();

  /**
   * The class of an access's head for runs of NDJSON lines (core's
   * AccessRuns, with mrKeys): 1 for reads, 2 + k for the writes to one
   * image (made here when it is the first of its region).
   */
  runClass(buf: Buffer, a: AccessView): number {
    if (!a.write) return 1;
    const slot = this.slotFor(buf, a);
    let k = this.runSlots.indexOf(slot);
    if (k < 0) k = this.runSlots.push(slot) - 1;
    return 2 + k;
  }

  /** Apply a run of NDJSON lines of class `cls` (runClass) in buf[s, e), their heads `head` bytes long (-1: of several lengths). */
  applyRun(buf: Buffer, cls: number, s: number, e: number, head: number): void {
    if (cls < 2) return;
    if (head >= 0) return this.feedRun(buf, this.runSlots[cls - 2]!, s, e, head);
    // Heads of several lengths: each line read as it always is.
    const v = this.runView;
    const slot = this.runSlots[cls - 2]!;
    for (let p = s; p < e; p = v.lineE + 1) {
      scanNdjsonAccess(buf, p, e, v);
      this.writeAt(slot, buf, v.atS + 2, v.atE, v.valS + 2, v.valE, v.width);
    }
  }

  /**
   * Apply the writes of buf[s, e), NDJSON lines in the plain shape all with
   * one head, `head` bytes long (up to the `0x` of the offset), all of them
   * to `slot` (see AccessRuns: a run of one region's writes), exactly as
   * `feed` applies their events.
   */
  feedRun(buf: Buffer, slot: Slot, s: number, e: number, head: number): void {
    for (let p = s; p < e; ) {
      const as = p + head;
      let q = as;
      while (buf[q] !== 34) q++;
      // `","width":W,"value":"0x`
      const vs = q + 23;
      let ve = vs;
      while (buf[ve] !== 34) ve++;
      this.writeAt(slot, buf, as, q, vs, ve, buf[q + 10]! - 48);
      p = buf.indexOf(10, ve) + 1;
    }
  }

  /**
   * Apply a run of a trace's VFIO lines of class `cls` (runClass) in buf[s, e):
   * `TID@SEC.USEC:`, then the head, `head` bytes long (-1: of several lengths),
   * then `0xOFFSET, 0xVALUE, W)` (see core's AccessRuns).
   */
  applyTraceRun(buf: Buffer, cls: number, s: number, e: number, head: number): void {
    if (cls < 2) return;
    const slot = this.runSlots[cls - 2]!;
    for (let p = s; p < e; ) {
      while (buf[p] !== 58) p++;
      let as: number;
      if (head >= 0) as = p + 1 + head + 2;
      else {
        // The device ends at the first `:region`; then the region's digits and `+0x`.
        as = buf.indexOf(REGION, p) + REGION.length;
        while (buf[as] !== 43) as++;
        as += 3;
      }
      let q = as;
      while (buf[q] !== 44) q++;
      const vs = q + 4;
      let ve = vs;
      while (buf[ve] !== 44) ve++;
      this.writeAt(slot, buf, as, q, vs, ve, buf[ve + 2]! - 48);
      p = ve + 5;
    }
  }

  /** Write the value whose hex digits are buf[vs, ve) at the address whose digits are buf[as, ae), as feed does. */
  private writeAt(slot: Slot, buf: Buffer, as: number, ae: number, vs: number, ve: number, width: number): void {
    if (ae - as <= 13) {
      let addr = 0;
      for (let i = as; i < ae; i++) addr = addr * 16 + hexDigit(buf[i]!);
      slot.image.writeHexBytes(addr, buf, vs, ve, width, this.o.bigEndian);
      return;
    }
    // Past 13 digits an address is no exact number: as feed does it.
    slot.image.write(BigInt('0x' + buf.toString('latin1', as, ae)), valueBytes(buf.toString('latin1', vs - 2, ve), width, this.o.bigEndian));
  }

  /** The slot of an access read as bytes (a write: made when it is the first of its region). */
  slotFor(buf: Buffer, a: AccessView): Slot {
    let slot = this.bSlot;
    if (
      slot === undefined ||
      a.region !== this.bRegion ||
      (a.devS >= 0) !== this.bHasDev ||
      (a.devS >= 0 && !same(a.devBuf, a.devS, a.devE, this.bDev)) ||
      (a.nameS >= 0) !== this.bHasName ||
      (a.nameS >= 0 && !same(buf, a.nameS, a.nameE, this.bName)) ||
      (a.mrS >= 0) !== this.bHasMr ||
      (a.mrS >= 0 && !same(buf, a.mrS, a.mrE, this.bMr))
    ) {
      this.bHasDev = a.devS >= 0;
      this.bDev = this.bHasDev ? a.devBuf.slice(a.devS, a.devE) : new Uint8Array(0);
      this.bRegion = a.region;
      this.bHasName = a.nameS >= 0;
      this.bName = this.bHasName ? buf.slice(a.nameS, a.nameE) : new Uint8Array(0);
      this.bHasMr = a.mrS >= 0;
      this.bMr = this.bHasMr ? buf.slice(a.mrS, a.mrE) : new Uint8Array(0);
      const text = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
      const key = keyOf({
        type: 'write',
        dev: this.bHasDev ? text(this.bDev) : undefined,
        region: a.region >= 0 ? a.region : undefined,
        name: this.bHasName ? text(this.bName) : undefined,
        mr: this.bHasMr ? text(this.bMr) : undefined,
      });
      slot = this.slots.get(key);
      if (!slot) {
        slot = { image: new SparseImage(this.o.fill), key, byAddress: a.isAddr };
        this.slots.set(key, slot);
      }
      this.bSlot = slot;
    }
    return slot;
  }

  /** Feed one event; non-access events are ignored. */
  feed(ev: Ev, file: string, line: number): void {
    if (ev.type !== 'write' && ev.type !== 'read') return;
    const at = (ev.offset ?? ev.addr) as string;
    const width = ev.width as number;
    const f = this.lastFields;
    if (ev.dev !== f[0] || ev.region !== f[1] || ev.name !== f[2] || ev.mr !== f[3] || this.lastKey === '') {
      this.lastFields = [ev.dev, ev.region, ev.name, ev.mr];
      this.lastKey = keyOf(ev);
    }
    const key = this.lastKey;
    let slot = this.slots.get(key);
    if (ev.type === 'write') {
      if (!slot) {
        slot = { image: new SparseImage(this.o.fill), key, byAddress: ev.offset === undefined };
        this.slots.set(key, slot);
      }
      // Up to 13 hex digits an address is a number below 2^52: the hot path, without BigInt.
      if (at.length <= 15 && this.noOriginCheck) {
        slot.image.writeHex(parseInt(at, 16), ev.value as string, width, this.o.bigEndian);
        return;
      }
      const addr = BigInt(at);
      if (typeof this.o.origin === 'bigint' && addr < this.o.origin) {
        throw new InputError(`write at ${at} is below the origin ${toHex(this.o.origin)} (try --origin min)`, file, line);
      }
      slot.image.write(addr, valueBytes(ev.value as string, width, this.o.bigEndian));
    } else if (this.o.verifyReads && slot) {
      const addr = BigInt(at);
      const held = slot.image.read(addr, width);
      if (held === undefined) return;
      const image = bytesValue(held, this.o.bigEndian);
      const mask = (1n << BigInt(width * 8)) - 1n;
      if ((BigInt(ev.value as string) & mask) !== image) this.onMismatch(ev, toHex(image));
    }
  }
}

/** Do buf[s, e) and `b` hold the same bytes? */
function same(buf: Uint8Array, s: number, e: number, b: Uint8Array): boolean {
  const n = e - s;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (buf[s + i] !== b[i]) return false;
  return true;
}

const REGION = Buffer.from(':region');

/** The value of a lowercase hex digit's byte. */
const hexDigit = (c: number) => (c <= 57 ? c - 48 : c - 87);

export interface ImageSummary {
  type: 'image';
  path: string;
  dev?: string;
  region?: number;
  name?: string;
  mr?: string;
  origin: string;
  size: string;
  writes: number;
  /** Written byte ranges [start, end) as image offsets. */
  extents: [string, string][];
}

/** The origin of an image: a given address, the first write's or the lowest. */
export function originOf(image: SparseImage, origin: Origin, byAddress = false): bigint {
  // auto: a region's offsets start at 0; absolute addresses (memory-region events) at the page of the lowest.
  if (origin === 'auto') return byAddress ? ((image.min ?? 0n) / 4096n) * 4096n : 0n;
  if (origin === 'first') return image.first ?? 0n;
  if (origin === 'min') return image.min ?? 0n;
  return origin;
}

/** The summary of an image, and its origin and size (before it is written). */
export function planImage(slot: Slot, path: string, o: ReplayOptions): ImageSummary & { originN: bigint; sizeN: bigint } {
  const { image } = slot;
  const origin = originOf(image, o.origin, slot.byAddress);
  if (image.min !== undefined && image.min < origin) {
    throw new InputError(`${describeKey(slot.key)}: a write at ${toHex(image.min)} is below the origin ${toHex(origin)} (the first write's address; try --origin min)`);
  }
  const size = o.size ?? (image.max === undefined ? 0n : image.max - origin);
  if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError(`image size ${toHex(size)} is too large for a file (--origin sets where the image starts)`);
  const extents: [string, string][] = [];
  for (const [s, e] of image.extents()) {
    const a = s - origin;
    const b = e - origin > size ? size : e - origin;
    if (a < b) extents.push([toHex(a), toHex(b)]);
  }
  return { type: 'image', path, ...keyFields(slot.key), origin: toHex(origin), size: toHex(size), writes: image.writes, extents, originN: origin, sizeN: size };
}

/**
 * Write an image into `target`: sparse where never written (with fill 0) when it
 * is a regular file; from start to end when it is not (`sequential`: a FIFO, a
 * device).
 */
/**
 * Write all `n` bytes: a write may write fewer (a disk that fills up writes what fits and
 * says nothing); the next one then fails with the reason (ENOSPC), which is thrown.
 */
async function writeFull(fh: FileHandle, buf: Uint8Array, from: number, n: number, at?: number): Promise<void> {
  while (n > 0) {
    const { bytesWritten } = await fh.write(buf, from, n, at);
    if (bytesWritten <= 0) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    from += bytesWritten;
    n -= bytesWritten;
    if (at !== undefined) at += bytesWritten;
  }
}

export async function writeImageTo(slot: Slot, target: string, sequential: boolean, origin: bigint, size: bigint, fill: number): Promise<void> {
  const { image } = slot;
  const fh = await open(target, 'w');
  try {
    if (sequential) {
      let pos = 0n;
      const block = Buffer.alloc(1 << 20, fill);
      const gap = async (to: bigint) => {
        while (pos < to) {
          const n = to - pos < BigInt(block.length) ? Number(to - pos) : block.length;
          await writeFull(fh, block, 0, n);
          pos += BigInt(n);
        }
      };
      for (const { base, data } of image.pagesInOrder()) {
        let at = base - origin;
        let from = 0;
        if (at < 0n) {
          from = Number(-at);
          at = 0n;
        }
        if (at >= size || from >= PAGE) continue;
        await gap(at);
        const n = Math.min(PAGE - from, Number(size - at));
        await writeFull(fh, data, from, n);
        pos = at + BigInt(n);
      }
      await gap(size);
      return;
    }
    await fh.truncate(Number(size));
    if (fill !== 0 && size > 0n) {
      const block = Buffer.alloc(1 << 20, fill);
      for (let p = 0n; p < size; p += BigInt(block.length)) {
        const n = size - p < BigInt(block.length) ? Number(size - p) : block.length;
        await writeFull(fh, block, 0, n, Number(p));
      }
    }
    for (const { base, data } of image.pagesInOrder()) {
      const pos = base - origin;
      let from = 0;
      let start = pos;
      if (pos < 0n) {
        from = Number(-pos);
        start = 0n;
      }
      if (start >= size || from >= PAGE) continue;
      const n = Math.min(PAGE - from, Number(size - start));
      await writeFull(fh, data, from, n, Number(start));
    }
  } finally {
    await fh.close();
  }
}

/** Write one image atomically to `path` (see writeAtomic); the summary. */
export async function writeImage(slot: Slot, path: string, o: ReplayOptions, inputs: string[] = []): Promise<ImageSummary> {
  const { originN, sizeN, ...summary } = planImage(slot, path, o);
  await writeAtomic(path, (target, sequential) => writeImageTo(slot, target, sequential, originN, sizeN, o.fill), inputs);
  return summary;
}

/** How many written bytes lie outside [origin, origin + size): --size leaves them out of the image. */
export function bytesOutside(image: SparseImage, origin: bigint, size: bigint): bigint {
  let n = 0n;
  for (const [s, e] of image.extents()) {
    const a = s - origin;
    const b = e - origin;
    if (b > size) n += b - (a > size ? a : size);
  }
  return n;
}

/**
 * A placeholder's value as part of a file name: no path separators, white space
 * or control characters (each becomes `_`), never `.` or `..` (dots only become
 * `_`), never empty; `none` when the key has no such field.
 */
export function fileNamePart(v: string | number | undefined): string {
  if (v === undefined) return 'none';
  // `:` too: make cannot name a target with it (0000:03:00.0 becomes 0000-03-00.0).
  // eslint-disable-next-line no-control-regex
  const s = String(v).replace(/:/g, '-').replace(/[/\\\s\u0000-\u001f\u007f$%*?"'<>|]/g, '_');
  return s.length === 0 || /^\.+$/.test(s) ? s.replace(/\./g, '_') || '_' : s;
}

/** Expand `{dev}`, `{region}`, `{name}`, `{mr}` in a --split template. */
export function splitPath(template: string, key: string): string {
  const k = keyFields(key);
  return template.replace(/\{(dev|region|name|mr)\}/g, (_, f: 'dev' | 'region' | 'name' | 'mr') => fileNamePart(k[f]));
}

/** Parse --origin: a number, `first` or `min`. */
export function parseOrigin(text: string): Origin {
  if (text === 'first' || text === 'min' || text === 'auto') return text;
  const t = text.trim();
  if (/^0[xX][0-9a-fA-F]+$/.test(t) || /^\d+$/.test(t)) return BigInt(t);
  throw new UsageError(`--origin ${JSON.stringify(text)}: expected an address (hex 0x… or decimal), auto, first or min`);
}
