/** Hex helpers. Values and addresses travel as lowercase `0x…` strings so that 64-bit values stay exact. */

const HEX_DIGITS = /^[0-9a-fA-F]+$/;

/** Canonical `0x…` form of bare hex digits: lowercase, no leading zeros. Returns undefined for non-hex text. */
export function hexDigits(digits: string): string | undefined {
  if (digits.length === 0 || !HEX_DIGITS.test(digits)) return undefined;
  let i = 0;
  while (i < digits.length - 1 && digits.charCodeAt(i) === 48 /* 0 */) i++;
  const d = i === 0 ? digits : digits.slice(i);
  return '0x' + (/[A-F]/.test(d) ? d.toLowerCase() : d);
}

/** Canonical `0x…` form of a `0x`-prefixed hex literal, or undefined. */
export function hexLiteral(text: string): string | undefined {
  if (text.length < 3 || text.charCodeAt(0) !== 48 || (text.charCodeAt(1) | 0x20) !== 120) return undefined;
  return hexDigits(text.slice(2));
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
