import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Inventory, textTable, sortRecords, type RegRecord } from '../src/index.js';
import { FIXTURES, jsonLines, run, sh } from '../../../test/helpers/util.js';

/** `R 0x10 0x5` / `W 0x10 0x5` lines (device d, region 0, 4 bytes) into records. */
function inv(script: string): Map<string, RegRecord> {
  const inv = new Inventory();
  script
    .trim()
    .split('\n')
    .forEach((l, i) => {
      const [rw, offset, value, dev] = l.trim().split(/\s+/);
      inv.add({ type: rw === 'R' ? 'read' : 'write', dev: dev ?? 'd', region: 0, offset, width: 4, value, line: i + 1 });
    });
  inv.end();
  return new Map(inv.records().map((r) => [r.offset!, r]));
}
const kinds = (script: string, offset = '0x10') => inv(script).get(offset)!.kind;

describe('kind rules', () => {
  it('constant: read, never written, one value; read-only: values vary', () => {
    expect(kinds('R 0x10 0x5\nR 0x10 0x5')).toEqual(['constant']);
    expect(kinds('R 0x10 0x5\nR 0x10 0x6')).toEqual(['read-only', 'volatile']);
    expect(kinds('R 0x10 0x5\nW 0x10 0x5\nR 0x10 0x5')).toEqual(['latch']);
  });

  it('write-only: written, never read', () => {
    expect(kinds('W 0x10 0x1\nW 0x10 0x2')).toEqual(['write-only']);
    expect(kinds('W 0x10 0x1\nR 0x10 0x1')).not.toContain('write-only');
  });

  it('latch: every read after a write returns the last value written; volatile: one does not', () => {
    expect(kinds('W 0x10 0x1\nR 0x10 0x1\nW 0x10 0x7\nR 0x10 0x7\nR 0x10 0x7')).toEqual(['latch']);
    expect(kinds('W 0x10 0x1\nR 0x10 0x1\nW 0x10 0x7\nR 0x10 0x3')).toEqual(['volatile']);
    // reads before the first write do not count for latch; two reads with no write between that differ are volatile
    expect(kinds('R 0x10 0x9\nW 0x10 0x1\nR 0x10 0x1')).toEqual(['latch']);
    expect(kinds('W 0x10 0x1\nR 0x10 0x2\nR 0x10 0x3')).toEqual(['volatile']);
  });

  it('poll: read 3 times in a row with no other access of the device between; the longest run and what ended it', () => {
    const r = inv('R 0x10 0x1\nR 0x10 0x1\nR 0x20 0x0 e\nR 0x10 0x1\nR 0x10 0x0\nW 0x14 0x9\nR 0x10 0x0\nR 0x10 0x0').get('0x10')!;
    expect(r.kind).toEqual(['read-only', 'volatile', 'poll']);
    // Another device's access (line 3) does not end the run; the write of line 6 does.
    expect(r.poll).toEqual({ runs: 1, longest: 4, from: { line: 1 }, values: ['0x1', '0x0'], ended: { line: 6, type: 'write', offset: '0x14', value: '0x9' } });
    expect(kinds('R 0x10 0x1\nR 0x10 0x1\nR 0x14 0x1\nR 0x10 0x1')).not.toContain('poll');
    expect(inv('R 0x10 0x1\nR 0x10 0x1\nR 0x10 0x1').get('0x10')!.poll?.ended).toEqual({ end: true });
  });

  it('counter: reads go up, modulo the width (a wrap allowed), at least twice; a step down breaks it', () => {
    expect(kinds('R 0x10 0x10\nR 0x10 0x20\nR 0x10 0x20\nR 0x10 0x35')).toContain('counter');
    expect(kinds('R 0x10 0xfffffff0\nR 0x10 0xfffffffe\nR 0x10 0x3')).toContain('counter');
    expect(kinds('R 0x10 0x10\nR 0x10 0x20\nR 0x10 0x15')).not.toContain('counter');
    expect(kinds('R 0x10 0x10\nR 0x10 0x20')).not.toContain('counter');
    // a write starts it over: a reset counter is still a counter
    expect(kinds('R 0x10 0x10\nR 0x10 0x20\nW 0x10 0x0\nR 0x10 0x1\nR 0x10 0x2')).toContain('counter');
  });

  it('w1c: writing bits that read set clears them, the other bits stay', () => {
    expect(kinds('R 0x10 0x5\nW 0x10 0x1\nR 0x10 0x4')).toEqual(['volatile', 'w1c']);
    // the written bit stays set: not w1c
    expect(kinds('R 0x10 0x5\nW 0x10 0x1\nR 0x10 0x4\nR 0x10 0x5\nW 0x10 0x1\nR 0x10 0x5')).not.toContain('w1c');
    // a plain register written with the bits it read: a latch, not w1c
    expect(kinds('R 0x10 0x5\nW 0x10 0x5\nR 0x10 0x5')).toEqual(['latch']);
  });

  it('values: distinct counts and the first values, in order', () => {
    const r = inv('W 0x10 0x1\nW 0x10 0x2\nW 0x10 0x1\nR 0x10 0x2').get('0x10')!;
    expect([r.reads, r.writes, r.written, r.read, r.lastWritten, r.lastRead, r.first, r.last]).toEqual([1, 3, { distinct: 2, values: ['0x1', '0x2'] }, { distinct: 1, values: ['0x2'] }, '0x1', '0x2', { line: 1 }, { line: 4 }]);
  });

  it('sorts and prints a table', () => {
    const recs = [...inv('R 0x10 0x1\nW 0x14 0x2\nW 0x14 0x3').values()];
    expect(sortRecords(recs, 'accesses').map((r) => r.offset)).toEqual(['0x14', '0x10']);
    expect(textTable(recs).split('\n')[1]).toBe('d     0  0x10    4      1       0  1/0           0x1        -             constant');
  });
});

describe('mmio-regs on the real e1000 traces', () => {
  const VFIO = join(FIXTURES, 'qemu-vfio.log');
  it('STATUS, EECD bit-banging, the interrupt registers: as the e1000 driver drives them', async () => {
    const r = await run('mmio-regs', ['--region', '0', VFIO]);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const by = new Map(jsonLines(r.stdout).map((x) => [x.offset, x]));
    // STATUS: read 4,872 times, never written, always 0x80080783.
    expect(by.get('0x8')).toMatchObject({ reads: 4872, writes: 0, read: { distinct: 1, values: ['0x80080783'] }, kind: ['constant'] });
    // EECD: the EEPROM read bit by bit — 5,040 writes of the clock and data-in bits, 1,611 reads whose
    // data-out bit is the EEPROM's: reads differ from what was written.
    expect(by.get('0x10')).toMatchObject({ reads: 1611, writes: 5040, kind: ['volatile'] });
    // ICR (interrupt cause, read to clear) read twice, both 0; IMC (mask clear) only written, all ones.
    expect(by.get('0xc0')).toMatchObject({ reads: 2, writes: 0, kind: ['constant'], lastRead: '0x0' });
    expect(by.get('0xd8')).toMatchObject({ reads: 0, writes: 5, kind: ['write-only'], lastWritten: '0xffffffff' });
    // CTRL: written, then read back as written.
    expect(by.get('0x0')!.kind).toEqual(['latch']);
    // In order of first access: STATUS is the first register the driver touches (line 175).
    expect(jsonLines(r.stdout)[0]).toMatchObject({ type: 'reg', dev: '0000:00:03.0', region: 0, offset: '0x8', width: 4, first: { line: 175, t: 1795266207.71261 } });
  });

  it('the QEMU memory-ops trace of the same run gives the same e1000 registers, by address; the ACPI timer is a polled counter', async () => {
    const r = await sh(`mmio-regs --name e1000-mmio,acpi-tmr ${join(FIXTURES, 'qemu-memory-ops.log.gz')}`);
    expect(r.code).toBe(0);
    const by = new Map(jsonLines(r.stdout).map((x) => [`${x.name} ${x.addr}`, x]));
    expect(by.get('e1000-mmio 0xfebc0008')).toMatchObject({ reads: 4872, kind: ['constant'] });
    expect(by.get('e1000-mmio 0xfebc0010')).toMatchObject({ reads: 1611, writes: 5040, kind: ['volatile'] });
    expect(by.get('acpi-tmr 0x608')).toMatchObject({ reads: 1403, writes: 0, kind: ['read-only', 'volatile', 'poll', 'counter'] });
  });

  it('--text: a table sorted by accesses; --sort and bad --sort', async () => {
    const r = await run('mmio-regs', ['--text', '--region', '0', VFIO]);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual([
      'DEV           RG  OFFSET  W  READS  WRITES  DISTINCT R/W  LAST READ   LAST WRITTEN  KIND        REG',
      '0000:00:03.0   0  0x10    4   1611    5040  6/11          0x1ca       0x188         volatile',
      '0000:00:03.0   0  0x8     4   4872       0  1/0           0x80080783  -             constant',
    ]);
    const w = await run('mmio-regs', ['--sort', 'writes', '--region', '0', VFIO]);
    expect(jsonLines(w.stdout)[0]!.offset).toBe('0x10');
    const bad = await run('mmio-regs', ['--sort', 'nope', VFIO]);
    expect([bad.code, bad.stderr]).toEqual([2, 'mmio-regs: --sort "nope": expected one of first, accesses, reads, writes, offset, distinct (see mmio-regs --help)\n']);
  });
});

describe('offsets and values kept as numbers (issue 27.14)', () => {
  it('every text comes back byte for byte: canonical hex as a number, padded, upper-case and 64-bit texts from the side table', () => {
    const inv = new Inventory();
    const ev = (type: string, offset: string, value: string, line: number) => ({ type, dev: 'd', region: 0, offset, width: 8, value, line });
    const evs = [
      ev('write', '0x4', '0x0001', 1),
      ev('read', '0x4', '0x1', 2), // a different text of the same number: not the value written
      ev('read', '0x04', '0xFFFFFFFFFFFFFFFF', 3), // another register (its offset is another text)
      ev('read', '0x04', '0xffffffffffffffff', 4),
      ev('write', '0x20000000000000', '0x20000000000000', 5), // 2^53: past what a number holds exactly
      ev('read', '0x20000000000000', '0x20000000000000', 6),
      ev('read', '0x0', '0x0', 7),
      ev('read', '0x0', '0x0', 8),
    ];
    for (const e of evs) inv.add(e);
    inv.end();
    const recs = inv.records();
    expect(recs.map((r) => [r.offset, r.written, r.read, r.lastWritten, r.lastRead, r.kind])).toEqual([
      ['0x4', { distinct: 1, values: ['0x0001'] }, { distinct: 1, values: ['0x1'] }, '0x0001', '0x1', ['volatile']],
      ['0x04', { distinct: 0, values: [] }, { distinct: 2, values: ['0xFFFFFFFFFFFFFFFF', '0xffffffffffffffff'] }, undefined, '0xffffffffffffffff', ['read-only', 'volatile']],
      ['0x20000000000000', { distinct: 1, values: ['0x20000000000000'] }, { distinct: 1, values: ['0x20000000000000'] }, '0x20000000000000', '0x20000000000000', ['latch']],
      ['0x0', { distinct: 0, values: [] }, { distinct: 1, values: ['0x0'] }, undefined, '0x0', ['constant']],
    ]);
    // By place: the offsets as numbers, texts of one number in order of first access.
    expect([...inv.order('offset')].map((i) => inv.placeOf(i))).toEqual(['0x0', '0x4', '0x04', '0x20000000000000']);
  });

  it('registers found by group and offset number in the table: 3 groups of 5,000 with the same offsets, 64-bit ones whose low 32 bits repeat, texts beside them', () => {
    const inv = new Inventory();
    const offsets: string[] = [];
    for (let k = 0; k < 2500; k++) offsets.push('0x' + (k * 4).toString(16), '0x' + (2 ** 32 + k * 4).toString(16));
    offsets.push('0x0010'); // a text with no number, beside 0x10 (the same value): another register
    const groups = [{ dev: 'a', region: 0 }, { dev: 'a', region: 1 }, { dev: 'b', region: 0 }];
    const first = new Map<string, number>();
    // Twice over: the second pass finds every register the first made (table grown meanwhile).
    for (let pass = 0; pass < 2; pass++)
      for (const [gi, g] of groups.entries())
        for (const offset of offsets) {
          const i = inv.add({ type: 'read', ...g, offset, width: 4, value: '0x1' });
          const key = `${gi} ${offset}`;
          if (pass === 0) {
            expect(first.has(key)).toBe(false);
            first.set(key, i);
          } else expect(i).toBe(first.get(key));
        }
    expect(inv.size).toBe(groups.length * offsets.length);
    expect(new Set(first.values()).size).toBe(inv.size);
    expect(inv.placeOf(first.get('2 0x0010')!)).toBe('0x0010');
  });

  it('line numbers and counts are 4 bytes a register until one does not fit: then they come back exact as before', () => {
    const inv = new Inventory();
    const ev = (type: string, offset: string, extra: Record<string, unknown>) => ({ type, region: 0, offset, width: 4, value: '0x1', ...extra });
    inv.add(ev('read', '0x0', { line: 7 }));
    inv.add(ev('read', '0x4', {})); // no line
    inv.add(ev('write', '0x8', { line: 2 ** 32 - 2, repeat: 2 ** 32 - 2 }));
    inv.add(ev('write', '0x8', { line: 2 ** 32 + 5, repeat: 3 })); // the count and the line past 32 bits
    inv.add(ev('read', '0xc', { line: 1.5, repeat: 0.5 }));
    inv.end();
    expect(inv.records().map((r) => [r.offset, r.reads, r.writes, r.first, r.last])).toEqual([
      ['0x0', 1, 0, { line: 7 }, { line: 7 }],
      ['0x4', 1, 0, {}, {}],
      ['0x8', 0, 2 ** 32 + 1, { line: 2 ** 32 - 2 }, { line: 2 ** 32 + 5 }],
      ['0xc', 0.5, 0, { line: 1.5 }, { line: 1.5 }],
    ]);
  });
});
