/**
 * The one escaper of every human output (error and warning lines, the progress
 * line, `--to text`, `mmio-diff --text`, `mmio-regs --text`): text from the
 * input becomes one printable line that shows what is there and cannot act on
 * a terminal or forge a line.
 *
 *  - C0 controls and DEL: `\n`, `\r`, `\t`, else `\xNN` (a NUL is `\x00`, an escape `\x1b`);
 *  - C1 controls U+0080–U+009F (U+009B is a terminal's CSI, as ESC [): `\u009b`;
 *  - bidirectional overrides and isolates U+202A–U+202E, U+2066–U+2069 (they
 *    reorder what follows them on screen) and the line and paragraph
 *    separators U+2028, U+2029: `\u202e`;
 *  - a byte of invalid UTF-8 kept by the readers (U+DC80–U+DCFF, see utf8.ts): `\xff`.
 *
 * Everything else, other non-ASCII text included, is kept as it is.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]|(?<![\ud800-\udbff])[\udc80-\udcff]/g;

function escapeOne(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  const n = c.charCodeAt(0);
  if (n >= 0xdc80 && n <= 0xdcff) return '\\x' + (n - 0xdc00).toString(16);
  return n < 0x80 ? '\\x' + n.toString(16).padStart(2, '0') : '\\u' + n.toString(16).padStart(4, '0');
}

/** Text from the input as one printable line (see above). */
export function oneLine(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}
