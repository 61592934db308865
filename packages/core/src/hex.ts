/** Hex helpers. Values and addresses travel as lowercase `0x…` strings so that 64-bit values stay exact. */

/** Canonical `0x…` form of bare hex digits: lowercase, no leading zeros. Returns undefined for non-hex text. */
export function hexDigits(digits: string): string | undefined {
  const n = digits.length;
  if (n === 0) return undefined;
  // One pass: check the digits, find the first significant one, note upper case. Runs once per value.
  let first = -1;
  let upper = false;
  for (let i = 0; i < n; i++) {
    const c = digits.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (first === -1 && c !== 48) first = i;
    } else if (c >= 97 && c <= 102) {
      if (first === -1) first = i;
    } else if (c >= 65 && c <= 70) {
      if (first === -1) first = i;
      upper = true;
    } else return undefined;
  }
  if (first === -1) return '0x0';
  const d = first === 0 ? digits : digits.slice(first);
  return '0x' + (upper ? d.toLowerCase() : d);
}

/** Canonical `0x…` form of a `0x`-prefixed hex literal, or undefined; a canonical literal is returned as it is. */
export function hexLiteral(text: string): string | undefined {
  const n = text.length;
  if (n < 3 || text.charCodeAt(0) !== 48 || (text.charCodeAt(1) | 0x20) !== 120) return undefined;
  let canonical = text.charCodeAt(1) === 120 && (text.charCodeAt(2) !== 48 || n === 3);
  for (let i = 2; canonical && i < n; i++) {
    const c = text.charCodeAt(i);
    canonical = (c >= 48 && c <= 57) || (c >= 97 && c <= 102);
  }
  return canonical ? text : hexDigits(text.slice(2));
}

/** `0x…` string of a non-negative bigint. */
export function toHex(n: bigint | number): string {
  return '0x' + n.toString(16);
}

/**
 * A user-supplied number: `0x` hex or decimal, with optional `_` separators.
 * Returns undefined when it is not one.
 */
export function parseNumber(text: string): bigint | undefined {
  const t = text.trim().replace(/_/g, '');
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) return BigInt(t);
  if (/^[0-9]+$/.test(t)) return BigInt(t);
  return undefined;
}
