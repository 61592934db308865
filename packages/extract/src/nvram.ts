/**
 * Broadcom NVRAM in a memory image: NUL-separated printable `key=value`
 * entries. Two layouts are checked when present:
 *  - Linux brcmfmac: entries, NUL padding to roundup(len + 1, 4), then the
 *    32-bit little-endian token (~n << 16) | n with n = padded length / 4;
 *  - the Windows driver: the text's byte length in the 32-bit word before it.
 */
const KEY_CHAR = /[A-Za-z0-9_]/;

export interface NvramEntry {
  key: string;
  value: string;
  offset: number;
}

export interface NvramRun {
  /** Image offset of the first entry. */
  start: number;
  /** Image offset just past the NUL that ends the last entry. */
  end: number;
  entries: NvramEntry[];
  /** Which length check confirmed the run: the brcmfmac token, the length word before it, or none. */
  check: 'token' | 'length' | 'none';
}

function isPrintable(b: number): boolean {
  return b >= 0x20 && b < 0x7f;
}

function entryOf(image: Uint8Array, s: number, e: number): NvramEntry | undefined {
  const text = Buffer.from(image.buffer, image.byteOffset + s, e - s).toString('latin1');
  const eq = text.indexOf('=');
  if (eq < 1) return undefined;
  for (let i = 0; i < eq; i++) if (!KEY_CHAR.test(text[i]!)) return undefined;
  return { key: text.slice(0, eq), value: text.slice(eq + 1), offset: s };
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
 * entries in the image, in offset order.
 */
export function findNvramRuns(image: Uint8Array, minEntries = 3): NvramRun[] {
  const runs: NvramRun[] = [];
  let entries: NvramEntry[] = [];
  let runStart = -1;
  let runEnd = -1;
  const close = () => {
    if (entries.length >= minEntries) runs.push({ start: runStart, end: runEnd, entries, check: checkOf(image, runStart, runEnd) });
    entries = [];
    runStart = -1;
  };
  let i = 0;
  while (i < image.length) {
    if (!isPrintable(image[i]!)) {
      if (image[i] !== 0 || (runStart !== -1 && i !== runEnd - 1)) close();
      i++;
      continue;
    }
    let j = i;
    while (j < image.length && isPrintable(image[j]!)) j++;
    // An entry is a printable string ended by a NUL, right after the previous entry's NUL.
    const ent = j < image.length && image[j] === 0 ? entryOf(image, i, j) : undefined;
    if (!ent || (runStart !== -1 && i !== runEnd)) close();
    if (ent) {
      if (runStart === -1) runStart = i;
      entries.push(ent);
      runEnd = j + 1;
    }
    i = j;
  }
  close();
  return runs;
}

/** The NVRAM run brcmfmac would have been given: a length-checked one first, then the one with most entries. */
export function bestNvramRun(runs: NvramRun[]): NvramRun | undefined {
  const rank = (r: NvramRun) => (r.check === 'none' ? 0 : 1);
  let best: NvramRun | undefined;
  for (const r of runs) {
    if (!best || rank(r) > rank(best) || (rank(r) === rank(best) && r.entries.length > best.entries.length)) best = r;
  }
  return best;
}

/** The text of a run as brcmfmac loads it: one key=value per line. */
export function nvramText(run: NvramRun): string {
  return run.entries.map((e) => `${e.key}=${e.value}\n`).join('');
}
