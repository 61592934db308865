// The nouveau workflow on envytools' own database and demmio's reference output
// (../shared/fixtures/envytools-rnndb): a G80 BAR0 sweep traced through VFIO.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { ROOT, jsonLines, sh } from './helpers/util.js';

const ENVY = join(ROOT, '..', 'shared', 'fixtures', 'envytools-rnndb');
const SWEEP = join(ENVY, 'expected', 'g80-vfio.log.gz');
const RNN_PATH = `${join(ENVY, 'generated')}:${join(ENVY, 'rnndb')}`;
/** What demmio -c printed for each BAR0 access: offset, R/W, value, name, decoded value. */
const DEMMIO = gunzipSync(readFileSync(join(ENVY, 'expected', 'demmio-g80.tsv.gz')))
  .toString()
  .trimEnd()
  .split('\n')
  .map((l) => l.split('\t'));

/** How many of the sweep's accesses have demmio's name (none where demmio prints a bare address) and decoded value. */
function score(events: Record<string, unknown>[]) {
  const bar0 = events.filter((e) => e.region === 0 && (e.type === 'read' || e.type === 'write'));
  expect(bar0.length).toBe(DEMMIO.length);
  let reg = 0;
  let decoded = 0;
  let real = 0;
  let realOk = 0;
  const wrong: string[] = [];
  DEMMIO.forEach(([offset, rw, value, name, dec], i) => {
    const e = bar0[i]!;
    expect([e.offset, e.type === 'read' ? 'R' : 'W', e.value]).toEqual([offset, rw, value]);
    const want = /^0x/.test(name!) ? undefined : name;
    if (e.reg === want) reg++;
    else wrong.push(`${offset}: ${e.reg} for ${want}`);
    if (want && !want.includes('+')) {
      real++;
      if (e.reg === want) realOk++;
    }
    if ((want === undefined ? e.decoded === undefined : e.decoded === dec)) decoded++;
    else wrong.push(`${offset}: ${e.decoded} for ${dec}`);
  });
  return { total: DEMMIO.length, reg, decoded, real, realOk, wrong: wrong.slice(0, 5) };
}

describe('envytools: the G80 sweep', () => {
  it('mmio-annotate names every access as demmio does, and decodes every value as it does, the variant taken from PMC_BOOT_0', async () => {
    const r = await sh(`mmio-parse ${SWEEP} | RNN_PATH=${RNN_PATH} mmio-annotate --regs nv_mmio.xml --domain NV_MMIO`);
    expect([r.code, r.stderr]).toEqual([0, '']);
    const s = score(jsonLines(r.stdout));
    // 1,210 accesses hit the first byte of a real register; the rest are BLOCK+0xOFF or REG+0xOFF, or in no block.
    expect(s).toEqual({ total: 33232, reg: 33232, decoded: 33232, real: 1210, realOk: 1210, wrong: [] });
  });

  it('--rnn-path names the roots as RNN_PATH does; text output shows the decoded value as demmio', async () => {
    const r = await sh(`mmio-parse ${SWEEP} | mmio-annotate --rnn-path ${RNN_PATH} --regs nv_mmio.xml --domain NV_MMIO | mmio-filter --region 0 | mmio-format --to text | head -3`);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual([
      '1581830832.000000  0000:01:00.0   0  R  0x0         4  0x50000a2   PMC.ID => { STEPPING = 0xa2 | DEVICE_ID = 0 | CHIPSET = G80 | FOUNDRY = TSMC }',
      '1581830832.000001  0000:01:00.0   0  W  0x0         4  0x1cbc0d72  PMC.ID <= { STEPPING = 0x72 | DEVICE_ID = 0xc | CHIPSET = 0x1cb | FOUNDRY = TSMC | 0xd00 }',
      '1581830832.000002  0000:01:00.0   0  R  0x4         4  0x62c81810  PMC.ENDIAN => 0x62c81810',
    ]);
  });

  it('--variant G84 names with another chip\'s registers', async () => {
    const names = async (variant: string) => (await sh(`mmio-parse ${SWEEP} | mmio-annotate --rnn-path ${RNN_PATH} --regs nv_mmio.xml --domain NV_MMIO ${variant} --region 0 --offset 0x154c,0x1560 | jq -r .reg | sort -u`)).stdout;
    expect(await names('')).toBe('PBUS+0x54c\nPBUS.PEEPHOLE_W_ADDR\n');
    expect(await names('--variant G84')).toBe('PBUS+0x560\nPBUS.HWUNITS_1\n');
    expect(await names('--variant g84')).toBe('PBUS+0x560\nPBUS.HWUNITS_1\n');
  });

  it('without the generated root it says which import it cannot find, where, and how to give the roots', async () => {
    const r = await sh(`mmio-parse ${SWEEP} | mmio-annotate --regs ${join(ENVY, 'rnndb', 'nv_mmio.xml')} --domain NV_MMIO`);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mmio-annotate: ${join(ENVY, 'rnndb', 'nv_mmio.xml')}:7: rnndb: <import> file="nvchipsets.xml": not in any database root (${join(ENVY, 'rnndb')}); give the database roots with --rnn-path DIR:DIR or RNN_PATH (envytools builds nvchipsets.xml into a root of its own)\n`);
  });

  it('mmio-format --to mmiotrace gives the PCIDEV line demmio accepts, from the sweep\'s own config space, and the names survive the round trip', async () => {
    const r = await sh(`mmio-parse ${SWEEP} | mmio-format --to mmiotrace`);
    expect(r.code).toBe(0);
    const pcidev = r.stdout.split('\n')[1]!;
    // BAR0 0xf6000000 (16 MiB), BAR1 64-bit prefetchable at 0xc0000000 (256 MiB), BAR3 64-bit at
    // 0xf0000000 (32 MiB), I/O BAR5 at 0xe000, ROM at 0xf7000000, IRQ 11.
    expect(pcidev).toBe('PCIDEV 0100 10de0191 b f6000000 c000000c 0 f0000004 0 e001 f7000000 1000000 10000000 0 2000000 0 80 20000 ');
    // demmio registers a card when vendor is 10de and BAR0 and BAR1 are nonzero memory BARs (rnn/demmio.c).
    const [, , id, , bar0, bar1] = pcidev.split(' ');
    const accepted = parseInt(id!, 16) >>> 16 === 0x10de && parseInt(bar0!, 16) !== 0 && (parseInt(bar0!, 16) & 0xf) === 0 && parseInt(bar1!, 16) !== 0 && (parseInt(bar1!, 16) & 1) === 0;
    expect(accepted).toBe(true);
    const back = await sh(`mmio-parse ${SWEEP} | mmio-format --to mmiotrace | mmio-parse | RNN_PATH=${RNN_PATH} mmio-annotate --regs nv_mmio.xml --domain NV_MMIO`);
    expect(back.code).toBe(0);
    expect(score(jsonLines(back.stdout))).toMatchObject({ reg: 33232, decoded: 33232 });
  });
});
