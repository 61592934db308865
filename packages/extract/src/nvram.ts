/**
 * Broadcom NVRAM in a memory image: NUL-separated printable `key=value`
 * entries. Two layouts are checked when present:
 *  - Linux brcmfmac: entries, NUL padding to roundup(len + 1, 4), then the
 *    32-bit little-endian token (~n << 16) | n with n = padded length / 4;
 *  - the Windows driver: the text's byte length in the 32-bit word before it.
 */
export interface NvramEntry {
  key: string;
  value: string;
  offset: number;
}

/**
 * One run of entries. It holds its place in the image, not its entries: a
 * run of 16M entries (64 MB of `a=b\0`) costs a few words, and its entries are
 * read from the image when they are wanted (nvramEntries, or `entries`).
 */
export class NvramRun {
  readonly #image: Uint8Array;

  constructor(
    image: Uint8Array,
    /** Image offset of the first entry. */
    readonly start: number,
    /** Image offset just past the NUL that ends the last entry. */
    readonly end: number,
    /** How many entries. */
    readonly count: number,
    /** Which length check confirmed the run: the brcmfmac token, the length word before it, or none. */
    readonly check: 'token' | 'length' | 'none',
  ) {
    this.#image = image;
  }

  /** The bytes of the run (the entries with their NULs), a view of the image. */
  get bytes(): Uint8Array {
    return this.#image.subarray(this.start, this.end);
  }

  /** Every entry, as an array (nvramEntries reads them one at a time). */
  get entries(): NvramEntry[] {
    return [...nvramEntries(this)];
  }
}

function isPrintable(b: number): boolean {
  return b >= 0x20 && b < 0x7f;
}

function isKeyChar(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f;
}

/** Is image[s, e) (printable bytes) an entry: a key of [A-Za-z0-9_]+, `=`, a value? */
function isEntry(image: Uint8Array, s: number, e: number): boolean {
  let i = s;
  while (i < e && isKeyChar(image[i]!)) i++;
  return i > s && i < e && image[i] === 0x3d;
}

/** Bytes of a run decoded at a time by nvramEntries (more when one entry is longer). */
const BLOCK = 1 << 16;

/** The entries of a run, in order, read from the image a block at a time. */
export function* nvramEntries(run: NvramRun): Generator<NvramEntry> {
  const b = run.bytes;
  let at = 0;
  while (at < b.length) {
    // A block of whole entries: up to the last NUL within BLOCK bytes (or the next NUL past it).
    let end = at + BLOCK >= b.length ? b.length : b.lastIndexOf(0, at + BLOCK - 1) + 1;
    if (end <= at) end = b.indexOf(0, at + BLOCK) + 1 || b.length;
    const text = Buffer.from(b.buffer, b.byteOffset + at, end - at).toString('latin1');
    let s = 0;
    while (s < text.length) {
      const nul = text.indexOf('\0', s);
      const e = nul === -1 ? text.length : nul;
      const eq = text.indexOf('=', s);
      yield { key: text.slice(s, eq), value: text.slice(eq + 1, e), offset: run.start + at + s };
      s = e + 1;
    }
    at = end;
  }
}

/** The text of a run as brcmfmac loads it, a block at a time: its bytes with each NUL a newline. */
export function* nvramTextBlocks(run: NvramRun): Generator<Buffer> {
  const b = run.bytes;
  for (let at = 0; at < b.length; at += BLOCK) {
    const block = Buffer.from(b.subarray(at, Math.min(b.length, at + BLOCK)));
    for (let i = block.indexOf(0); i !== -1; i = block.indexOf(0, i + 1)) block[i] = 0x0a;
    yield block;
  }
}

function u32(image: Uint8Array, at: number): number | undefined {
  if (at < 0 || at + 4 > image.length) return undefined;
  return (image[at]! | (image[at + 1]! << 8) | (image[at + 2]! << 16) | (image[at + 3]! << 24)) >>> 0;
}

function checkOf(image: Uint8Array, start: number, end: number): NvramRun['check'] {
  const len = end - start; // entries with their NULs
  const padded = Math.ceil((len + 1) / 4) * 4;
  const token = u32(image, start + padded);
  const n = padded / 4;
  if (token !== undefined && token === ((((~n & 0xffff) << 16) | n) >>> 0)) return 'token';
  const word = u32(image, start - 4);
  if (word !== undefined && word > 0 && Math.abs(word - len) <= 4) return 'length';
  return 'none';
}

/**
 * Every run of at least `minEntries` consecutive NUL-terminated key=value
 * entries in the image, in offset order, one at a time: memory stays that of
 * one run, however many entries or runs the image holds.
 */
export function* scanNvramRuns(image: Uint8Array, minEntries = 3): Generator<NvramRun> {
  let count = 0;
  let runStart = -1;
  let runEnd = -1;
  const closed = (): NvramRun | undefined => {
    const run = count >= minEntries ? new NvramRun(image, runStart, runEnd, count, checkOf(image, runStart, runEnd)) : undefined;
    count = 0;
    runStart = -1;
    return run;
  };
  let i = 0;
  while (i < image.length) {
    if (!isPrintable(image[i]!)) {
      if (image[i] !== 0 || (runStart !== -1 && i !== runEnd - 1)) {
        const run = closed();
        if (run) yield run;
      }
      i++;
      continue;
    }
    let j = i;
    while (j < image.length && isPrintable(image[j]!)) j++;
    // An entry is a printable string ended by a NUL, right after the previous entry's NUL.
    const ent = j < image.length && image[j] === 0 && isEntry(image, i, j);
    if (!ent || (runStart !== -1 && i !== runEnd)) {
      const run = closed();
      if (run) yield run;
    }
    if (ent) {
      if (runStart === -1) runStart = i;
      count++;
      runEnd = j + 1;
    }
    i = j;
  }
  const run = closed();
  if (run) yield run;
}

/** Every run of scanNvramRuns, as an array. */
export function findNvramRuns(image: Uint8Array, minEntries = 3): NvramRun[] {
  return [...scanNvramRuns(image, minEntries)];
}

/** The NVRAM run brcmfmac would have been given: a length-checked one first, then the one with most entries. */
export function bestNvramRun(runs: Iterable<NvramRun>): NvramRun | undefined {
  const rank = (r: NvramRun) => (r.check === 'none' ? 0 : 1);
  let best: NvramRun | undefined;
  for (const r of runs) {
    if (!best || rank(r) > rank(best) || (rank(r) === rank(best) && r.count > best.count)) best = r;
  }
  return best;
}

/** The text of a run as brcmfmac loads it: one key=value per line. */
export function nvramText(run: NvramRun): string {
  return Buffer.concat([...nvramTextBlocks(run)]).toString('latin1');
}
