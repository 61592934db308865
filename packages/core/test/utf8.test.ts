import { describe, expect, it } from 'vitest';
import { ExactDecoder, decodeBytes, encodeText } from '../src/utf8.js';
import { oneLine } from '../src/escape.js';

describe('byte-exact text (issue 27.27)', () => {
  it('decodes valid UTF-8 as UTF-8, and every invalid byte as U+DC00 + the byte', () => {
    expect(decodeBytes(Buffer.from('héllo 💩'))).toBe('héllo 💩');
    expect(decodeBytes(Buffer.from([0x72, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf0, 0x9f, 0x92]))).toBe('r\udcff\udcc3(\udced\udca0\udc80\udcf0\udc9f\udc92');
    // U+FFFD that was in the input stays U+FFFD: only invalid bytes are escaped.
    expect(decodeBytes(Buffer.from('a\ufffdb'))).toBe('a\ufffdb');
  });

  it('gives the bytes back, whatever they were, also when decoded in chunks cut anywhere', () => {
    let seed = 27;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    for (let k = 0; k < 200; k++) {
      const bytes = Buffer.from(Array.from({ length: 1 + (next() % 64) }, () => (next() & 1 ? next() : 0x41 + (next() % 26))));
      const whole = decodeBytes(bytes);
      expect(encodeText(whole).equals(bytes)).toBe(true);
      const d = new ExactDecoder();
      let text = '';
      for (let i = 0; i < bytes.length; ) {
        const n = 1 + (next() % 5);
        text += d.write(bytes.subarray(i, i + n));
        i += n;
      }
      text += d.end();
      expect(text).toBe(whole);
    }
  });

  it('a kept byte is shown as \\xNN by the escaper; a real character in that range (a surrogate pair) is not', () => {
    expect(oneLine('r\udcff')).toBe('r\\xff');
    expect(oneLine('\ud83d\udca9')).toBe('\ud83d\udca9');
  });
});
