/**
 * Text from bytes that may not be UTF-8, kept byte-exact. Valid UTF-8 is
 * decoded as usual; each byte of an invalid sequence becomes the lone low
 * surrogate U+DC80–U+DCFF (U+DC00 + the byte, as Python's "surrogateescape"),
 * which valid UTF-8 can never give. So two names that differ only in invalid
 * bytes stay two names (the decoder's U+FFFD made them one); JSON.stringify
 * writes such a character as `\udcff`, which every reader of the family reads
 * back; the escaper of human output shows it as `\xff`; and encodeText gives
 * the original bytes back (mmio-format --to qemu, --to mmiotrace).
 */
import { isUtf8 } from 'node:buffer';

/** Bytes of invalid UTF-8 decoded so far (by any decoder here): 0 for every input that is UTF-8. */
export let escapedBytes = 0;

/** The length of the valid UTF-8 sequence at b[i] (before end), or 0 when there is none (RFC 3629, Unicode table 3-7). */
function sequenceAt(b: Uint8Array, i: number, end: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => i + k < end && b[i + k]! >= lo && b[i + k]! <= hi;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((c >= 0xe1 && c <= 0xec) || c === 0xee || c === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (c === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (c === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xf1 && c <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/** b[start, end) as text: UTF-8 decoded, each byte of an invalid sequence as U+DC00 + the byte. */
export function decodeBytes(b: Uint8Array, start = 0, end = b.length): string {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (isUtf8(buf.subarray(start, end))) return buf.toString('utf8', start, end);
  let out = '';
  let run = start;
  let i = start;
  while (i < end) {
    const n = sequenceAt(buf, i, end);
    if (n > 0) {
      i += n;
      continue;
    }
    if (i > run) out += buf.toString('utf8', run, i);
    out += String.fromCharCode(0xdc00 + buf[i]!);
    escapedBytes++;
    run = ++i;
  }
  if (end > run) out += buf.toString('utf8', run, end);
  return out;
}

/** A lone low surrogate U+DC80–U+DCFF: a byte of invalid UTF-8 that decodeBytes kept. */
export const ESCAPED_BYTE = /(?<![\ud800-\udbff])[\udc80-\udcff]/;
const ESCAPED_BYTES = /(?<![\ud800-\udbff])[\udc80-\udcff]/g;

/** The bytes of a text: UTF-8, with each byte that decodeBytes kept (U+DC80–U+DCFF) as that byte again. */
export function encodeText(text: string): Buffer {
  if (!ESCAPED_BYTE.test(text)) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of text.matchAll(ESCAPED_BYTES)) {
    parts.push(Buffer.from(text.slice(last, m.index), 'utf8'), Buffer.of(m[0].charCodeAt(0) - 0xdc00));
    last = m.index + 1;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/**
 * Where the last whole character of b ends: b.length, or the start of a
 * multi-byte sequence cut short by the end of b (its rest may come next).
 */
export function wholeCharsEnd(b: Uint8Array): number {
  const n = b.length;
  for (let k = 1; k <= 3 && k <= n; k++) {
    const c = b[n - k]!;
    if (c < 0x80) return n;
    if (c >= 0xc0) {
      const len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
      return len > k ? n - k : n;
    }
  }
  return n;
}

/**
 * A chunked decoder for decodeBytes: a character cut by a chunk's end waits
 * for the next chunk (as StringDecoder does), and invalid bytes are kept as
 * U+DC80–U+DCFF instead of becoming U+FFFD.
 */
export class ExactDecoder {
  private pending: Buffer | undefined;

  write(chunk: Buffer): string {
    let b = chunk;
    if (this.pending !== undefined) {
      b = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    const end = wholeCharsEnd(b);
    if (end < b.length) this.pending = Buffer.from(b.subarray(end));
    return decodeBytes(b, 0, end);
  }

  end(): string {
    const rest = this.pending;
    this.pending = undefined;
    return rest === undefined ? '' : decodeBytes(rest);
  }
}
