/**
 * A sparse byte image addressed by 64-bit addresses: memory grows with the
 * bytes touched, not with the address span. Bytes are kept in chunks of 64
 * (their data and a written mark per byte, in two pools that grow by
 * doubling), found by chunk number: about 200 bytes for a chunk however it is
 * touched (one byte, or all 64), so a million one-byte writes spread over the
 * address space take about 200 MB, not the 8 GB of whole 4 KiB pages (issue
 * 27, item 16). The image is given back in 4 KiB pages (pagesInOrder).
 */
export const PAGE = 4096;
const PAGE_BITS = 12n;
/** Bytes of a chunk, and its number's shift. */
const CHUNK = 64;
const CHUNK_BITS = 6n;
const CHUNK_MASK = 63n;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/**
 * A chunk's key: its number, as a number when that is exact (below 2^53: every
 * address below 2^59), else as the decimal text of the bigint.
 */
type Key = number | string;
const keyOf = (c: bigint): Key => (c <= MAX_SAFE ? Number(c) : c.toString());
const nextKey = (k: Key): Key => (typeof k === 'number' && k < Number.MAX_SAFE_INTEGER ? k + 1 : keyOf(BigInt(k) + 1n));

export class SparseImage {
  /** Chunk number to its slot (its bytes are data[slot * CHUNK, +CHUNK), its marks set[…]). */
  private chunks = new Map<Key, number>();
  private data = new Uint8Array(CHUNK * 16);
  private set = new Uint8Array(CHUNK * 16);
  /** Lowest and highest (exclusive) written addresses, and the first: kept as numbers by writeHex, as bigints by write. */
  private minN: number | undefined;
  private maxN: number | undefined;
  private firstN: number | undefined;
  private minB: bigint | undefined;
  private maxB: bigint | undefined;
  private firstB: bigint | undefined;
  writes = 0;

  /** The lowest written address. */
  get min(): bigint | undefined {
    const n = this.minN === undefined ? undefined : BigInt(this.minN);
    return n === undefined ? this.minB : this.minB === undefined || n < this.minB ? n : this.minB;
  }

  /** One past the highest written byte. */
  get max(): bigint | undefined {
    const n = this.maxN === undefined ? undefined : BigInt(this.maxN);
    return n === undefined ? this.maxB : this.maxB === undefined || n > this.maxB ? n : this.maxB;
  }

  /** The address of the first write. */
  get first(): bigint | undefined {
    return this.firstN !== undefined ? BigInt(this.firstN) : this.firstB;
  }

  constructor(private readonly fill = 0) {}

  private lastN: Key = -1;
  private lastBase = 0;

  /** The index in the pools of chunk n's first byte, made (filled) if it was not there. */
  private chunk(n: Key): number {
    if (n === this.lastN) return this.lastBase;
    let slot = this.chunks.get(n);
    if (slot === undefined) {
      slot = this.chunks.size;
      if ((slot + 1) * CHUNK > this.data.length) {
        const data = new Uint8Array(this.data.length * 2);
        data.set(this.data);
        this.data = data;
        const set = new Uint8Array(this.set.length * 2);
        set.set(this.set);
        this.set = set;
      }
      if (this.fill !== 0) this.data.fill(this.fill, slot * CHUNK, slot * CHUNK + CHUNK);
      this.chunks.set(n, slot);
    }
    this.lastN = n;
    this.lastBase = slot * CHUNK;
    return this.lastBase;
  }

  /** The index in the pools of chunk n's first byte, or -1 when it was never written. */
  private chunkIfAny(n: Key): number {
    if (n === this.lastN) return this.lastBase;
    const slot = this.chunks.get(n);
    return slot === undefined ? -1 : slot * CHUNK;
  }

  /** Count a write of `width` bytes at `addr` (a number below 2^53) and widen the written span. */
  private noteWrite(addr: number, width: number): void {
    this.writes++;
    if (this.firstB === undefined && this.firstN === undefined) this.firstN = addr;
    const end = addr + width;
    if (this.minN === undefined || addr < this.minN) this.minN = addr;
    if (this.maxN === undefined || end > this.maxN) this.maxN = end;
  }

  /**
   * Store the `width` bytes of a value given as canonical hex text (`0x…`,
   * digits above the width dropped) at `addr`, a number below 2^53: the hot
   * path of mmio-replay, with no BigInt and no allocation per write.
   */
  writeHex(addr: number, hex: string, width: number, bigEndian: boolean): void {
    this.noteWrite(addr, width);
    const cn = Math.floor(addr / CHUNK);
    const off = addr - cn * CHUNK;
    let digits = hex.length; // the digits not used yet are hex[2, digits)
    for (let i = 0; i < width; i++) {
      const k = bigEndian ? width - 1 - i : i;
      let b = 0;
      if (digits > 2) {
        b = digit(hex.charCodeAt(digits - 1));
        if (digits > 3) b |= digit(hex.charCodeAt(digits - 2)) << 4;
        digits -= 2;
      }
      const o = off + k;
      const at = o < CHUNK ? this.chunk(cn) + o : this.chunk(cn + 1) + o - CHUNK;
      this.data[at] = b;
      this.set[at] = 1;
    }
  }

  /**
   * writeHex, with the value's digits (lowercase hex, no `0x`) in buf[s, e):
   * for values read as bytes (issue 25).
   */
  writeHexBytes(addr: number, buf: Uint8Array, s: number, e: number, width: number, bigEndian: boolean): void {
    this.noteWrite(addr, width);
    const cn = Math.floor(addr / CHUNK);
    const off = addr - cn * CHUNK;
    let digits = e; // the digits not used yet are buf[s, digits)
    for (let i = 0; i < width; i++) {
      const k = bigEndian ? width - 1 - i : i;
      let b = 0;
      if (digits > s) {
        b = digit(buf[digits - 1]!);
        if (digits > s + 1) b |= digit(buf[digits - 2]!) << 4;
        digits -= 2;
      }
      const o = off + k;
      const at = o < CHUNK ? this.chunk(cn) + o : this.chunk(cn + 1) + o - CHUNK;
      this.data[at] = b;
      this.set[at] = 1;
    }
  }

  /** Store `bytes` at `addr`, overwriting what was there. */
  write(addr: bigint, bytes: Uint8Array): void {
    this.writes++;
    if (this.firstB === undefined && this.firstN === undefined) this.firstB = addr;
    const end = addr + BigInt(bytes.length);
    if (this.minB === undefined || addr < this.minB) this.minB = addr;
    if (this.maxB === undefined || end > this.maxB) this.maxB = end;
    let cn = keyOf(addr >> CHUNK_BITS);
    let off = Number(addr & CHUNK_MASK);
    let base = this.chunk(cn);
    for (let i = 0; i < bytes.length; i++) {
      if (off === CHUNK) {
        base = this.chunk((cn = nextKey(cn)));
        off = 0;
      }
      this.data[base + off] = bytes[i]!;
      this.set[base + off] = 1;
      off++;
    }
  }

  /** The bytes at [addr, addr + n) if every one was written, else undefined. */
  read(addr: bigint, n: number): Uint8Array | undefined {
    const out = new Uint8Array(n);
    let cn = keyOf(addr >> CHUNK_BITS);
    let off = Number(addr & CHUNK_MASK);
    let base = this.chunkIfAny(cn);
    for (let i = 0; i < n; i++) {
      if (off === CHUNK) {
        base = this.chunkIfAny((cn = nextKey(cn)));
        off = 0;
      }
      if (base < 0 || !this.set[base + off]) return undefined;
      out[i] = this.data[base + off]!;
      off++;
    }
    return out;
  }

  /**
   * Written pages in address order: their base address, their 4 KiB of bytes
   * (the fill where never written) and written marks (1 where written). The
   * two arrays are the same for every page, refilled before each: use a page
   * before asking for the next (a new pair per page left 8 KiB a page to the
   * garbage collector, outside the heap: 32,768 pages spread out took 146 MB
   * at peak, 2.9 KB a byte written; issue 27, item 16).
   */
  *pagesInOrder(): Generator<{ base: bigint; data: Uint8Array; set: Uint8Array }> {
    // Numbers first (every text key is a larger number), each kind in order.
    const nums: number[] = [];
    const texts: string[] = [];
    for (const k of this.chunks.keys()) {
      if (typeof k === 'number') nums.push(k);
      else texts.push(k);
    }
    nums.sort((a, b) => a - b);
    const big = texts.map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const chunks: [bigint, Key][] = [...nums.map((k): [bigint, Key] => [BigInt(k), k]), ...big.map((k): [bigint, Key] => [k, k.toString()])];
    const per = BigInt(PAGE / CHUNK);
    const data = new Uint8Array(PAGE);
    const set = new Uint8Array(PAGE);
    for (let i = 0; i < chunks.length; ) {
      const pn = chunks[i]![0] / per;
      data.fill(this.fill);
      set.fill(0);
      for (; i < chunks.length && chunks[i]![0] / per === pn; i++) {
        const slot = this.chunks.get(chunks[i]![1])! * CHUNK;
        const at = Number(chunks[i]![0] - pn * per) * CHUNK;
        data.set(this.data.subarray(slot, slot + CHUNK), at);
        set.set(this.set.subarray(slot, slot + CHUNK), at);
      }
      yield { base: pn << PAGE_BITS, data, set };
    }
  }

  /** Maximal runs of written bytes, [start, end) absolute addresses, in order. */
  extents(): [bigint, bigint][] {
    const out: [bigint, bigint][] = [];
    let cur: [bigint, bigint] | undefined;
    for (const { base, set } of this.pagesInOrder()) {
      let i = 0;
      while (i < PAGE) {
        if (!set[i]) {
          i++;
          continue;
        }
        let j = i;
        while (j < PAGE && set[j]) j++;
        const s = base + BigInt(i);
        const e = base + BigInt(j);
        if (cur && cur[1] === s) cur[1] = e;
        else {
          cur = [s, e];
          out.push(cur);
        }
        i = j;
      }
    }
    return out;
  }
}

/**
 * The `width` bytes of a value given as an event's `0x…` lowercase hex text,
 * little- or big-endian; digits above the width are dropped. Read from the
 * digits two at a time (no BigInt: this runs once per write).
 */
export function valueBytes(hex: string, width: number, bigEndian: boolean): Uint8Array {
  const out = new Uint8Array(width);
  let end = hex.length; // the digits not used yet are hex[2, end)
  for (let i = 0; i < width && end > 2; i++, end -= 2) {
    const lo = digit(hex.charCodeAt(end - 1));
    const hi = end > 3 ? digit(hex.charCodeAt(end - 2)) : 0;
    out[bigEndian ? width - 1 - i : i] = (hi << 4) | lo;
  }
  return out;
}

/** The value of a lowercase hex digit. */
const digit = (c: number) => (c <= 57 ? c - 48 : c - 87);

/** The value stored in `bytes`, little- or big-endian. */
export function bytesValue(bytes: Uint8Array, bigEndian: boolean): bigint {
  let v = 0n;
  for (let i = 0; i < bytes.length; i++) {
    v = (v << 8n) | BigInt(bytes[bigEndian ? i : bytes.length - 1 - i]!);
  }
  return v;
}
