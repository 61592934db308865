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
  /** Lowest and highest (exclusive) written addresses. */
  min: bigint | undefined;
  max: bigint | undefined;
  writes = 0;
  first: bigint | undefined;

  constructor(private readonly fill = 0) {}

  private page(n: number, create: true): Page;
  private page(n: number, create: false): Page | undefined;
  private page(n: number, create: boolean): Page | undefined {
    let p = this.pages.get(n);
    if (!p && create) {
      p = { data: new Uint8Array(PAGE).fill(this.fill), set: new Uint8Array(PAGE) };
      this.pages.set(n, p);
    }
    return p;
  }

  /** Store `bytes` at `addr`, overwriting what was there. */
  write(addr: bigint, bytes: Uint8Array): void {
    this.writes++;
    this.first ??= addr;
    const end = addr + BigInt(bytes.length);
    if (this.min === undefined || addr < this.min) this.min = addr;
    if (this.max === undefined || end > this.max) this.max = end;
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
