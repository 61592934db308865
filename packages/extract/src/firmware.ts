/**
 * Broadcom FullMAC PCIe firmware in a memory image: `DBPP` at offset 0x74 of
 * the image and the RAM base as a 32-bit word at 0x7c; at the end a version
 * string (`... Version: 7.35.177.61 CRC: ... FWID: 01-...`), `\n\0`, and a
 * 16-bit little-endian length of that string (string length + 1).
 */
const DBPP = Buffer.from('DBPP');
const FWID = Buffer.from('FWID: ');

export interface FirmwareSpan {
  start: number;
  end: number;
  ramBase: number;
  version: string;
}

function printable(b: number): boolean {
  return (b >= 0x20 && b < 0x7f) || b === 0x0a || b === 0x09;
}

/** The end (exclusive) of the firmware whose trailer follows `from`, and its version string. */
function trailerAfter(img: Buffer, from: number): { end: number; version: string } | undefined {
  let f = img.indexOf(FWID, from);
  while (f !== -1) {
    let e = f;
    while (e < img.length && printable(img[e]!) && img[e] !== 0x0a) e++;
    // `\n\0` then the u16 length
    if (e + 3 < img.length + 1 && img[e] === 0x0a && img[e + 1] === 0 && e + 3 <= img.length) {
      const nul = e + 1;
      let k = e;
      while (k > 0 && printable(img[k - 1]!)) k--;
      const len = img[nul + 1]! | (img[nul + 2]! << 8);
      const strLen = nul - k; // including the \n
      if (Math.abs(len - (strLen + 1)) <= 2) {
        return { end: nul + 3, version: img.toString('latin1', k, e) };
      }
    }
    f = img.indexOf(FWID, f + FWID.length);
  }
  return undefined;
}

/** Every firmware image found, in offset order. */
export function findFirmware(img: Buffer): FirmwareSpan[] {
  const out: FirmwareSpan[] = [];
  let p = img.indexOf(DBPP);
  while (p !== -1) {
    const start = p - 0x74;
    if (start >= 0 && start + 0x80 <= img.length) {
      const ramBase = img.readUInt32LE(start + 0x7c);
      const t = trailerAfter(img, start + 0x80);
      if (t) {
        out.push({ start, end: t.end, ramBase, version: t.version });
        p = img.indexOf(DBPP, t.end);
        continue;
      }
    }
    p = img.indexOf(DBPP, p + 1);
  }
  return out;
}
