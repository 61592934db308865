import { describe, expect, it } from 'vitest';
import { bestNvramRun, findFirmware, findNvramRuns, findStrings, nvramText } from '../src/index.js';
// @ts-expect-error: plain JS module
import { firmwareImage } from '../../../examples/bcm43602/generate.mjs';

const entries = ['boardtype=0x0617', 'macaddr=00:90:4c:0d:f4:3e', 'ccode=X0', 'regrev=6', 'devpath0=pcie/1/4'];

function linuxLayout(list: string[], ramSize = 0x1000): Buffer {
  const img = Buffer.alloc(ramSize);
  const text = Buffer.from(list.map((e) => e + '\0').join(''), 'latin1');
  const padded = Math.ceil((text.length + 1) / 4) * 4;
  const n = padded / 4;
  const at = ramSize - padded - 4;
  text.copy(img, at);
  img.writeUInt32LE((((~n & 0xffff) << 16) | n) >>> 0, ramSize - 4);
  return img;
}

describe('nvram', () => {
  it('carves the Linux layout and checks its token', () => {
    const runs = findNvramRuns(linuxLayout(entries));
    expect(runs).toHaveLength(1);
    expect(runs[0]!.check).toBe('token');
    expect(nvramText(runs[0]!)).toBe(entries.join('\n') + '\n');
  });

  it('carves the Windows layout and checks the length word', () => {
    const img = Buffer.alloc(0x400);
    const text = Buffer.from(entries.map((e) => e + '\0').join(''), 'latin1');
    img.writeUInt32LE(0xa5a5a5a5, 0x100);
    img.writeUInt32LE(text.length, 0x120);
    text.copy(img, 0x124);
    const best = bestNvramRun(findNvramRuns(img))!;
    expect(best.check).toBe('length');
    expect(best.start).toBe(0x124);
    expect(best.entries.map((e) => e.key)).toEqual(['boardtype', 'macaddr', 'ccode', 'regrev', 'devpath0']);
  });

  it('prefers a checked run over a longer unchecked one, and --min-entries', () => {
    const img = Buffer.alloc(0x2000);
    Buffer.from(['a=1', 'b=2', 'c=3', 'd=4', 'e=5', 'f=6', 'g=7'].map((e) => e + '\0').join('')).copy(img, 0x10);
    linuxLayout(entries).copy(img, 0x1000);
    const runs = findNvramRuns(img);
    expect(runs.map((r) => r.entries.length)).toEqual([7, 5]);
    expect(bestNvramRun(runs)!.check).toBe('token');
    expect(findNvramRuns(img, 6)).toHaveLength(1);
  });

  it('finds nothing in noise, text without key=value, or entries separated by double NULs', () => {
    expect(findNvramRuns(Buffer.from('hello world\0this is text\0not nvram\0'))).toEqual([]);
    expect(findNvramRuns(Buffer.from('a=1\0\0b=2\0\0c=3\0'))).toEqual([]);
    expect(findNvramRuns(Buffer.alloc(4096, 0xff))).toEqual([]);
  });
});

describe('firmware', () => {
  it('carves exactly, start to end, from the middle of an image', () => {
    const fw: Buffer = firmwareImage(4096, 7, 'x Version: 7.35.177.61 CRC: 1 FWID: 01-12345678');
    const img = Buffer.concat([Buffer.alloc(0x3000, 0x11), fw, Buffer.alloc(0x800, 0x22)]);
    const found = findFirmware(img);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ start: 0x3000, end: 0x3000 + fw.length, ramBase: 0x180000, version: 'x Version: 7.35.177.61 CRC: 1 FWID: 01-12345678' });
    expect(Buffer.compare(img.subarray(found[0]!.start, found[0]!.end), fw)).toBe(0);
  });

  it('finds none without the trailer or the DBPP header', () => {
    const fw: Buffer = firmwareImage(4096, 7, 'x Version: 1 FWID: 01-1');
    expect(findFirmware(fw.subarray(0, fw.length - 10))).toEqual([]);
    const noMagic = Buffer.from(fw);
    noMagic.write('XXXX', 0x74);
    expect(findFirmware(noMagic)).toEqual([]);
  });
});

describe('strings', () => {
  it('lists printable runs of at least min characters with offsets', () => {
    const img = Buffer.concat([Buffer.from([0, 1]), Buffer.from('abc\0abcd\0x\tyz!\0')]);
    expect([...findStrings(img)]).toEqual([{ offset: 6, text: 'abcd' }, { offset: 11, text: 'x\tyz!' }]);
    expect([...findStrings(img, 3)].map((s) => s.text)).toEqual(['abc', 'abcd', 'x\tyz!']);
  });
});
