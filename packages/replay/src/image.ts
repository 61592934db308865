/**
 * A sparse byte image addressed by 64-bit addresses: memory grows with the
 * bytes touched (4 KiB pages), not with the address span.
 */
export const PAGE = 4096;
const PAGE_BITS = 12n;
const PAGE_MASK = 0xfffn;

interface Page {
  data: Uint8Array;
  /** 1 where a byte was written. */
  set: Uint8Array;
}

export class SparseImage {
  private pages = new Map<number, Page>();
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

  private lastN = -1;
  private lastPage: Page | undefined;

  private page(n: number, create: true): Page;
  private page(n: number, create: false): Page | undefined;
  private page(n: number, create: boolean): Page | undefined {
    if (n === this.lastN) return this.lastPage;
    let p = this.pages.get(n);
    if (!p && create) {
      p = { data: new Uint8Array(PAGE).fill(this.fill), set: new Uint8Array(PAGE) };
      this.pages.set(n, p);
    }
    if (p) {
      this.lastN = n;
      this.lastPage = p;
    }
    return p;
  }

  /**
   * Store the `width` bytes of a value given as canonical hex text (`0x…`,
   * digits above the width dropped) at `addr`, a number below 2^53: the hot
   * path of mmio-replay, with no BigInt and no allocation per write.
   */
  writeHex(addr: number, hex: string, width: number, bigEndian: boolean): void {
    this.writes++;
    if (this.firstB === undefined && this.firstN === undefined) this.firstN = addr;
    const end = addr + width;
    if (this.minN === undefined || addr < this.minN) this.minN = addr;
    if (this.maxN === undefined || end > this.maxN) this.maxN = end;
    const pn = Math.floor(addr / PAGE);
    const off = addr - pn * PAGE;
    const p = this.page(pn, true);
    let digits = hex.length; // the digits not used yet are hex[2, digits)
    for (let i = 0; i < width; i++) {
      const k = bigEndian ? width - 1 - i : i;
      let b = 0;
      if (digits > 2) {
        b = digit(hex.charCodeAt(digits - 1));
        if (digits > 3) b |= digit(hex.charCodeAt(digits - 2)) << 4;
        digits -= 2;
      }
      let o = off + k;
      let q = p;
      if (o >= PAGE) {
        q = this.page(pn + 1, true);
        o -= PAGE;
      }
      q.data[o] = b;
      q.set[o] = 1;
    }
  }

  /**
   * writeHex, with the value's digits (lowercase hex, no `0x`) in buf[s, e):
   * for values read as bytes (issue 25).
   */
  writeHexBytes(addr: number, buf: Uint8Array, s: number, e: number, width: number, bigEndian: boolean): void {
    this.writes++;
    if (this.firstB === undefined && this.firstN === undefined) this.firstN = addr;
    const end = addr + width;
    if (this.minN === undefined || addr < this.minN) this.minN = addr;
    if (this.maxN === undefined || end > this.maxN) this.maxN = end;
    const pn = Math.floor(addr / PAGE);
    const off = addr - pn * PAGE;
    const p = this.page(pn, true);
    let digits = e; // the digits not used yet are buf[s, digits)
    for (let i = 0; i < width; i++) {
      const k = bigEndian ? width - 1 - i : i;
      let b = 0;
      if (digits > s) {
        b = digit(buf[digits - 1]!);
        if (digits > s + 1) b |= digit(buf[digits - 2]!) << 4;
        digits -= 2;
      }
      let o = off + k;
      let q = p;
      if (o >= PAGE) {
        q = this.page(pn + 1, true);
        o -= PAGE;
      }
      q.data[o] = b;
      q.set[o] = 1;
    }
  }

  /** Store `bytes` at `addr`, overwriting what was there. */
  write(addr: bigint, bytes: Uint8Array): void {
    this.writes++;
    if (this.firstB === undefined && this.firstN === undefined) this.firstB = addr;
    const end = addr + BigInt(bytes.length);
    if (this.minB === undefined || addr < this.minB) this.minB = addr;
    if (this.maxB === undefined || end > this.maxB) this.maxB = end;
    let pn = Number(addr >> PAGE_BITS);
    let off = Number(addr & PAGE_MASK);
    let p = this.page(pn, true);
    for (let i = 0; i < bytes.length; i++) {
      if (off === PAGE) {
        p = this.page(++pn, true);
        off = 0;
      }
      p.data[off] = bytes[i]!;
      p.set[off] = 1;
      off++;
    }
  }

  /** The bytes at [addr, addr + n) if every one was written, else undefined. */
  read(addr: bigint, n: number): Uint8Array | undefined {
    const out = new Uint8Array(n);
    let pn = Number(addr >> PAGE_BITS);
    let off = Number(addr & PAGE_MASK);
    let p = this.page(pn, false);
    for (let i = 0; i < n; i++) {
      if (off === PAGE) {
        p = this.page(++pn, false);
        off = 0;
      }
      if (!p || !p.set[off]) return undefined;
      out[i] = p.data[off]!;
      off++;
    }
    return out;
  }

  /** Written pages in address order: their base address and bytes. */
  *pagesInOrder(): Generator<{ base: bigint; data: Uint8Array; set: Uint8Array }> {
    const keys = [...this.pages.keys()].sort((a, b) => a - b);
    for (const k of keys) {
      const p = this.pages.get(k)!;
      yield { base: BigInt(k) << PAGE_BITS, data: p.data, set: p.set };
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
