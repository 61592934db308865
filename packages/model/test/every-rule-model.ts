/** A hand-made model with every rule kind, for the tests of mmio-model qemu. */
import { SCHEMA, type Model, type RegisterModel, type Rule } from '../src/model.js';

export const reg = (region: number, offset: number, width: number, rule: Rule): RegisterModel => ({ region, offset: '0x' + offset.toString(16), width, rule, reads: 1, writes: 0, support: { reads: 1, first: [] } });

/** A model with every rule kind, a 1-byte, a 2-byte and an 8-byte register, in three BARs. */
export function everyRuleModel(): Model {
  const registers: RegisterModel[] = [
    reg(0, 0x0, 4, { kind: 'constant', value: '0x80080783' }),
    reg(0, 0x4, 4, { kind: 'storage', reset: '0x100', mask: '0xffff00ff' }),
    reg(0, 0x8, 4, { kind: 'w1c', reset: '0xf0', mask: '0xf', w1c: '0xf0' }),
    reg(0, 0xc, 4, { kind: 'self-clearing', reset: '0x0', mask: '0xffffffff', clear: '0x4000001', after: 2 }),
    reg(0, 0x10, 4, { kind: 'counter', start: '0xfffffffe', step: '0x1' }),
    reg(0, 0x14, 4, { kind: 'poll', after: '0:0x18:4', busy: '0x0', reads: 3, final: '0x10' }),
    reg(0, 0x18, 4, { kind: 'storage', reset: '0x0', mask: '0xffffffff' }),
    reg(0, 0x1c, 4, { kind: 'dataport', from: '0:0x1c:4', keyMask: '0xff00', table: [['0x100', '0x4d020102'], ['0x200', '0x4f490202'], ['0x300', '0x15a0302']], default: '0x2' }),
    reg(0, 0x24, 4, { kind: 'eeprom', reset: '0x100', mask: '0xfffffff7', cs: 1, sk: 0, di: 2, do: 3, addrBits: 6, readOp: 2, lead: 0, edge: 'fall', deselect: 'hold', sequential: true, idle: 1, blank: '0xffff', words: [['0x0', '0x4d02'], ['0x1', '0x4f49'], ['0x2', '0x15a'], ['0x3f', '0xbaba']] }),
    reg(0, 0x28, 4, {
      kind: 'playback',
      initial: '0x7',
      sequences: [
        { after: '', runs: [['0x1', '0x2', '0x3']] },
        { after: '0:0x4:4=0x1', runs: [['0xa', '0xb'], ['0xc'], []] },
        { after: '0:0x18:4=0x5', runs: [] },
        { after: '0:0x4:4=0x1ffffffff', runs: [['0xdead']] }, // never: a 4-byte write is masked
        { after: '0:0x04:4=0x2', runs: [['0xbeef']] }, // never: not regKey's spelling
      ],
    }),
    reg(0, 0x30, 4, { kind: 'dataport', from: '0:0x34:2', keyMask: '0xffff', table: [['0x1', '0x11'], ['0x2', '0x22']], default: '0xffffffff' }),
    reg(0, 0x40, 2, { kind: 'eeprom', reset: '0x0', mask: '0xfff7', cs: 1, sk: 0, di: 2, do: 3, addrBits: 8, readOp: 2, lead: 1, edge: 'rise', deselect: 'idle', sequential: false, idle: 0, blank: '0x1234', words: [['0x10', '0xa5a5']] }),
    reg(0, 0x38, 1, { kind: 'storage', reset: '0x5a', mask: '0xf0' }),
    reg(0, 0x3a, 2, { kind: 'poll', after: '0:0x3a:2', busy: '0x8000', reads: 0, final: '0x1' }),
    reg(2, 0x0, 8, { kind: 'storage', reset: '0xffffffff00000000', mask: '0xffffffffffffffff' }),
    reg(2, 0x8, 8, { kind: 'counter', start: '0xfffffffffffffffe', step: '0x3' }),
    reg(4, 0x0, 4, { kind: 'self-clearing', reset: '0x1', mask: '0x3', clear: '0x2', after: 0 }),
    reg(4, 0x50, 1, { kind: 'eeprom', reset: '0x0', mask: '0xfe', cs: 3, sk: 2, di: 1, do: 0, addrBits: 6, readOp: 2, lead: 0, edge: 'rise', deselect: 'idle', sequential: false, idle: 'last', blank: '0x0', words: [['0x7', '0x4d02'], ['0x8', '0x4f49'], ['0x9', '0x35a']] }),
  ];
  return {
    schema: SCHEMA,
    generator: 'test',
    sources: [{ file: 'synthetic', accesses: 0 }],
    identity: { vendor: '0x8086', device: '0x100e', subvendor: '0x8086', subdevice: '0x1e', class: '0x20000', revision: '0x3', from: {} },
    bars: [
      { index: 0, size: '0x20000', kind: 'mem32', prefetchable: false, from: 'sizing', names: ['e1000-mmio'] },
      { index: 2, size: '0x4000', kind: 'mem64', prefetchable: true, from: 'given' },
      { index: 4, size: '0x100', kind: 'io', prefetchable: false, from: 'given' },
    ],
    config: { bytes: [['0x0', '0x86'], ['0x6', '0x10'], ['0x34', '0xdc'], ['0x3d', '0x1'], ['0xdc', '0x1'], ['0xde', '0x22'], ['0xe0', '0x5'], ['0x100', '0x1']], writable: [['0xe0', '0x1'], ['0x4', '0x7']] },
    registers,
    writeOnly: [],
    limits: { playbackValues: 4096, history: 4096 },
    notes: [],
  };
}

