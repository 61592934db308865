/**
 * The answering rules, one by one, as docs/model.md states them: these are what `check` and the
 * generated QEMU device answer.
 */
import { describe, expect, it } from 'vitest';
import { DeviceState, type RegisterModel, type Rule } from '../src/model.js';

const reg = (offset: string, rule: Rule, width = 4, region = 0): RegisterModel => ({ region, offset, width, rule, reads: 0, writes: 0, support: { reads: 0, first: [] } });
const r = (d: DeviceState, off: number, width = 4) => '0x' + d.read(0, BigInt(off), width).value.toString(16);

describe('rules answer as docs/model.md says', () => {
  it('constant, and a narrower read inside it', () => {
    const d = new DeviceState({ registers: [reg('0x8', { kind: 'constant', value: '0x80080783' })] });
    d.write(0, 8n, 4, 0n);
    expect([r(d, 8), r(d, 9, 1), r(d, 10, 2), r(d, 0x100)]).toEqual(['0x80080783', '0x7', '0x8008', '0x0']);
  });
  it('storage: the writable bits take the written value', () => {
    const d = new DeviceState({ registers: [reg('0x0', { kind: 'storage', reset: '0x5', mask: '0xf0' })] });
    expect(r(d, 0)).toBe('0x5');
    d.write(0, 0n, 4, 0xabn);
    expect(r(d, 0)).toBe('0xa5');
  });
  it('w1c: a written 1 clears, a 0 keeps', () => {
    const d = new DeviceState({ registers: [reg('0x0', { kind: 'w1c', reset: '0xf', mask: '0xf00', w1c: '0xf' })] });
    d.write(0, 0n, 4, 0x305n);
    expect(r(d, 0)).toBe('0x30a');
  });
  it('self-clearing: a written 1 reads 1 for `after` reads, then 0', () => {
    const d = new DeviceState({ registers: [reg('0x0', { kind: 'self-clearing', reset: '0x0', mask: '0xff', clear: '0x80', after: 2 })] });
    d.write(0, 0n, 4, 0x81n);
    expect([r(d, 0), r(d, 0), r(d, 0)]).toEqual(['0x81', '0x81', '0x1']);
    const z = new DeviceState({ registers: [reg('0x0', { kind: 'self-clearing', reset: '0x0', mask: '0xff', clear: '0x80', after: 0 })] });
    z.write(0, 0n, 4, 0x81n);
    expect(r(z, 0)).toBe('0x1');
  });
  it('counter wraps at the width', () => {
    const d = new DeviceState({ registers: [reg('0x0', { kind: 'counter', start: '0xfe', step: '0x1' }, 1)] });
    expect([r(d, 0, 1), r(d, 0, 1), r(d, 0, 1)]).toEqual(['0xfe', '0xff', '0x0']);
  });
  it('poll: busy for `reads` reads after a write to `after`, then final', () => {
    const d = new DeviceState({ registers: [reg('0x4', { kind: 'poll', after: '0:0x0:4', busy: '0x1', reads: 2, final: '0x0' })] });
    expect(r(d, 4)).toBe('0x0');
    d.write(0, 0n, 4, 1n);
    expect([r(d, 4), r(d, 4), r(d, 4)]).toEqual(['0x1', '0x1', '0x0']);
  });
  it('dataport: the table by the last value written to `from`', () => {
    const d = new DeviceState({ registers: [reg('0x14', { kind: 'dataport', from: '0:0x14:4', keyMask: '0xffffffff', table: [['0x1', '0x54000012'], ['0x5', '0x34560016']], default: '0x0' })] });
    expect(r(d, 0x14)).toBe('0x0');
    d.write(0, 0x14n, 4, 5n);
    expect(r(d, 0x14)).toBe('0x34560016');
    d.write(0, 0x14n, 4, 9n);
    expect(r(d, 0x14)).toBe('0x0');
  });
  it('eeprom: a 93C46 READ bit-banged through one register (e1000 EECD bits)', () => {
    // SK bit 0, CS bit 1, DI bit 2, DO bit 3; 6 address bits; word 2 = 0xa55a
    const d = new DeviceState({ registers: [reg('0x10', { kind: 'eeprom', reset: '0x110', mask: '0x7', cs: 1, sk: 0, di: 2, do: 3, addrBits: 6, readOp: 2, lead: 0, edge: 'rise', deselect: 'idle', sequential: true, idle: 0, blank: '0xffff', words: [['0x2', '0xa55a'], ['0x3', '0x1234']] })] });
    const w = (v: number) => d.write(0, 0x10n, 4, BigInt(v));
    const clockIn = (b: number) => {
      w(0x2 | (b << 2));
      w(0x3 | (b << 2));
      w(0x2 | (b << 2));
    };
    w(0x2); // CS
    for (const b of [1, 1, 0, 0, 0, 0, 0, 1, 0]) clockIn(b); // start, READ (10), address 2
    let word = 0;
    for (let i = 0; i < 32; i++) {
      w(0x3);
      word = word * 2 + ((Number(d.read(0, 0x10n, 4).value) >> 3) & 1);
      w(0x2);
    }
    expect(word.toString(16)).toBe('a55a1234'); // and on into the next word
    w(0x0);
    expect(r(d, 0x10)).toBe('0x110');
  });
  it('eeprom: output moved on by the falling edge (as the e1000 of QEMU does), the first bit readable before the first clock', () => {
    const d = new DeviceState({ registers: [reg('0x10', { kind: 'eeprom', reset: '0x0', mask: '0x7', cs: 1, sk: 0, di: 2, do: 3, addrBits: 6, readOp: 2, lead: 0, edge: 'fall', deselect: 'idle', sequential: true, idle: 0, blank: '0xffff', words: [['0x2', '0x8001']] })] });
    const w = (v: number) => d.write(0, 0x10n, 4, BigInt(v));
    const dout = () => (Number(d.read(0, 0x10n, 4).value) >> 3) & 1;
    w(0x2);
    for (const b of [1, 1, 0, 0, 0, 0, 0, 1, 0]) {
      w(0x2 | (b << 2));
      w(0x3 | (b << 2));
      w(0x2 | (b << 2));
    }
    const bits = [dout()];
    for (let i = 0; i < 15; i++) {
      w(0x3);
      w(0x2);
      bits.push(dout());
    }
    expect(bits.join('')).toBe('1000000000000001');
  });
  it('playback: keyed by the preceding write, its k-th occurrence, the last value held', () => {
    const d = new DeviceState({ registers: [reg('0x4', { kind: 'playback', initial: '0x9', sequences: [{ after: '0:0x0:4=0x1', runs: [['0x1', '0x2'], ['0x3']] }] })] });
    expect(r(d, 4)).toBe('0x9');
    d.write(0, 0n, 4, 1n);
    expect([r(d, 4), r(d, 4), r(d, 4)]).toEqual(['0x1', '0x2', '0x2']);
    d.write(0, 0n, 4, 1n);
    expect([r(d, 4), r(d, 4)]).toEqual(['0x3', '0x3']);
    d.write(0, 0n, 4, 7n);
    expect(r(d, 4)).toBe('0x3');
    d.reset();
    expect(r(d, 4)).toBe('0x9');
  });
});
