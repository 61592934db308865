#!/usr/bin/env node
// @ts-check
/**
 * Generates a simulated QEMU VFIO trace of a BCM43602 bring-up in the exact
 * format of seed 000 (`TID@SEC.USEC:vfio_region_write  (...)`), deterministic
 * for a given seed. Two passed-through BCM43602 cards:
 *   0000:03:00.0 — the Windows driver of the seed: firmware to the RAM base,
 *                  NVRAM text from 0x26c984 with its length in the word before,
 *                  guard words, stored high to low with mixed 8/4/2/1-byte and
 *                  overlapping stores (some first with stale bytes);
 *   0000:04:00.0 — Linux brcmfmac: firmware, then NVRAM at ramtop - len with
 *                  NUL padding and the length token in the last word of RAM.
 * Plus config-space reads/writes, BAR0 register pokes, polling reads, reads
 * back of BAR2, several thread ids and unrelated QEMU events.
 *
 * Usage: generate.mjs [--seed N] [--fw-size BYTES] > trace.log
 * As a module: generate({ seed, fwSize }) → { trace, nvram: {dev03, dev04}, firmware: {dev03, dev04} }
 */

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Is the module at `url` the program node was started with? Also when it was started through a
 * symlink or a path that a URL spells differently (spaces, %): node loads the real file.
 */
export function isMain(url) {
  try {
    return process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(url));
  } catch {
    return false;
  }
}

/**
 * stdout for a program that writes to it, as the tools do: when the reader goes away (`| head`)
 * exit 0 at once, silently; any other write error is one line on stderr and exit 1.
 */
export function stdoutAsTools(name) {
  process.stdout.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(0);
    process.stderr.write(`${name}: stdout: ${e.message}\n`);
    process.exit(1);
  });
}

export const RAM_BASE = 0x180000;
export const RAM_SIZE = 0xf0000; // BCM43602: RAM 0x180000-0x270000
export const RAM_TOP = RAM_BASE + RAM_SIZE;
export const WIN_NVRAM_TEXT = 0x26c984;

/** A small deterministic PRNG (mulberry32). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** NVRAM entries, like a brcmfmac43602-pcie.txt. */
export function nvramEntries(variant) {
  const mac = variant === 'dev03' ? '00:90:4c:0d:f4:3e' : '00:90:4c:11:22:33';
  return [
    'sromrev=11', 'boardrev=0x1421', 'boardtype=0x0617', 'boardflags=0x10001000', 'boardflags2=0x2', 'boardflags3=0x0',
    'macaddr=' + mac, 'ccode=X0', 'regrev=' + (variant === 'dev03' ? '6' : '0'), 'aa2g=7', 'aa5g=7', 'agbg0=71', 'agbg1=71', 'agbg2=133',
    'aga0=71', 'aga1=133', 'aga2=133', 'txchain=7', 'rxchain=7', 'antswitch=0', 'tssiposslope2g=1', 'epagain2g=0', 'pdgain2g=7',
    'tworangetssi2g=0', 'papdcap2g=0', 'femctrl=2', 'tssiposslope5g=1', 'epagain5g=0', 'pdgain5g=7', 'tworangetssi5g=0', 'papdcap5g=0',
    'gainctrlsph=0', 'tempthresh=255', 'tempoffset=255', 'rawtempsense=0x1ff', 'measpower=0x7f', 'tempsense_slope=0xff',
    'tempcorrx=0x3f', 'tempsense_option=0x3', 'xtalfreq=40000', 'phycal_tempdelta=255', 'temps_period=15', 'temps_hysteresis=15',
    'pa2ga0=-186,5882,-702', 'pa2ga1=-186,5882,-702', 'pa2ga2=-186,5882,-702',
    'pa5ga0=-190,6184,-738,-190,6144,-737,-185,6148,-731,-185,6137,-732',
    'pa5ga1=-190,6120,-728,-186,6212,-740,-182,6138,-729,-188,6164,-734',
    'pa5ga2=-195,5922,-713,-193,5986,-718,-189,6030,-722,-191,6003,-720',
    'rxgains2gelnagaina0=0', 'rxgains5gelnagaina0=0', 'maxp2ga0=76', 'maxp5ga0=72,72,72,72', 'mcsbw202gpo=0x99644422',
    'mcsbw405gpo=0x99888888', 'sb20in40hrpo=0x0', 'devid=0x43ba', 'venid=0x14e4', 'pcieingress_war=15',
  ];
}

/** A FullMAC-shaped firmware: reset vector, DBPP at 0x74, RAM base at 0x7c, version trailer. */
export function firmwareImage(size, seed, version) {
  const rnd = prng(seed);
  const trailer = Buffer.from(`${version}\n\0`, 'latin1');
  const body = Math.max(0x100, size - trailer.length - 2);
  const fw = Buffer.alloc(body + trailer.length + 2);
  for (let i = 0; i < body; i++) fw[i] = Math.floor(rnd() * 256);
  // Avoid accidental NVRAM-like or DBPP text in the code bytes: keep them non-printable-rich.
  for (let i = 0; i < body; i++) if (fw[i] >= 0x20 && fw[i] < 0x7f && (i & 3) === 0) fw[i] |= 0x80;
  fw.writeUInt32LE(0xb80ef000, 0); // reset vector (an ARM branch)
  fw.write('DBPP', 0x74, 'latin1');
  fw.writeUInt32LE(RAM_BASE, 0x7c);
  trailer.copy(fw, body);
  fw.writeUInt16LE(version.length + 2, body + trailer.length); // string incl. \n, + 1
  return fw;
}

/**
 * @param {{ seed?: number, fwSize?: number }} [opts]
 */
export function generate(opts = {}) {
  const rnd = prng(opts.seed ?? 43602);
  const fwSize = opts.fwSize ?? 24 * 1024;
  const lines = [];
  let now = 1581830830000000; // microseconds
  const emit = (tid, text) => {
    now += 1 + Math.floor(rnd() * 12);
    lines.push(`${tid}@${Math.floor(now / 1e6)}.${String(now % 1e6).padStart(6, '0')}:${text}`);
  };
  const hex = (n) => '0x' + BigInt(n).toString(16);
  const wr = (tid, dev, region, off, value, width) => emit(tid, `vfio_region_write  (${dev}:region${region}+${hex(off)}, ${hex(value)}, ${width})`);
  const rd = (tid, dev, region, off, width, value) => emit(tid, `vfio_region_read  (${dev}:region${region}+${hex(off)}, ${width}) = ${hex(value)}`);
  const cfgr = (tid, dev, off, len, value) => emit(tid, `vfio_pci_read_config  (${dev}, @${hex(off)}, len=${hex(len)}) ${hex(value)}`);
  const cfgw = (tid, dev, off, value, len) => emit(tid, `vfio_pci_write_config  (${dev}, @${hex(off)}, ${hex(value)}, len=${hex(len)})`);
  const MAIN = 488, VCPU0 = 493, VCPU1 = 494;
  const D3 = '0000:03:00.0', D4 = '0000:04:00.0';

  // QEMU start-up: the regions, a multi-line event (vfio_populate_device_config in QEMU 7.2), unrelated events.
  emit(MAIN, `vfio_region_setup Device ${D3}, region 0 "${D3} BAR 0", flags: 0x7, offset: 0x0, size: 0x8000`);
  lines.push(lines[lines.length - 1].replace(/:vfio_region_setup .*/, `:vfio_populate_device_config Device ${D3} config:`));
  lines.push('  size: 0x100, offset: 0x70000000000, flags: 0x3');
  emit(MAIN, `vfio_region_setup Device ${D3}, region 2 "${D3} BAR 2", flags: 0x7, offset: 0x20000000000, size: 0x400000`);
  emit(MAIN, `vfio_intx_enable  (${D3})`);

  const firmware = { dev03: firmwareImage(fwSize, 3, 'ABCDE-43602a1-roml/pcie-ag-splitrx-fdap-mbss-mfp-wl11k-wl11u-wnm-txbf Version: 7.35.177.61 (r598657) CRC: 8a1e9bc4 Date: Thu 2016-02-18 14:17:45 PST Ucode Ver: 1043.2138 FWID: 01-ea662a8c'),
    dev04: firmwareImage(fwSize - 1000, 4, '43602a1-roml/pcie-ag-p2p-pno-aoe-pktfilter-keepalive-sr-mchan-pktctx-proptxstatus-ampduhostreorder-lpc-pwropt-txbf-wnm-okc-ccx-ltecx-wfds-wl11u-mfp-tdls-ve Version: 7.35.177.56 (r587209) CRC: 2d2a4d96 Date: Mon 2015-10-12 05:44:25 PDT FWID: 01-6cb8e269') };
  const nvram = { dev03: nvramEntries('dev03'), dev04: nvramEntries('dev04') };

  for (const [dev, tid] of [[D3, VCPU0], [D4, VCPU1]]) {
    // Config space: IDs, BAR sizing, command register.
    cfgr(tid, dev, 0x0, 2, 0x14e4);
    cfgr(tid, dev, 0x2, 2, 0x43ba);
    cfgr(tid, dev, 0x0, 4, 0x43ba14e4);
    cfgr(tid, dev, 0x10, 4, 0xf0000004);
    cfgw(tid, dev, 0x10, 0xffffffff, 4);
    cfgr(tid, dev, 0x10, 4, 0xffff8004);
    cfgw(tid, dev, 0x10, 0xf0000004, 4);
    cfgr(tid, dev, 0x4, 2, 0x0);
    cfgw(tid, dev, 0x4, 0x6, 2);
    // BAR0: chip id, core enumeration, resets.
    rd(tid, dev, 0, 0x0, 4, 0x1584a9ba);
    for (let i = 0; i < 12; i++) rd(tid, dev, 0, 0xfc + 4 * i, 4, 0x4bf80001 + i * 0x100);
    wr(tid, dev, 0, 0x120, 0x0, 4);
    wr(tid, dev, 0, 0x1800, 0x1, 4);
    // Poll a status register until the core comes out of reset.
    const polls = 20 + Math.floor(rnd() * 30);
    for (let i = 0; i < polls; i++) rd(tid, dev, 0, 0x1804, 4, 0x1);
    rd(tid, dev, 0, 0x1804, 4, 0x0);
    wr(tid, dev, 0, 0x1408, 0x3, 4);
    emit(MAIN, `vfio_intx_interrupt  (${dev}) Pin A`);
  }

  // Linux brcmfmac on 0000:04:00.0: clear the last RAM word, firmware, NVRAM with token.
  {
    const dev = D4, tid = VCPU1, fw = firmware.dev04;
    wr(tid, dev, 2, RAM_TOP - 4, 0, 4);
    for (let i = 0; i < fw.length; i += 4) {
      const word = Buffer.alloc(4);
      fw.copy(word, 0, i, Math.min(i + 4, fw.length));
      wr(tid, dev, 2, RAM_BASE + i, word.readUInt32LE(0), 4);
      if (i % 4096 === 0) emit(VCPU0, `vfio_msi_interrupt  (${D3}) vector 0 0xfee00000/0x4021`);
    }
    const text = Buffer.from(nvram.dev04.map((e) => e + '\0').join(''), 'latin1');
    const padded = Math.ceil((text.length + 1) / 4) * 4;
    const blob = Buffer.alloc(padded + 4);
    text.copy(blob, 0);
    const n = padded / 4;
    blob.writeUInt32LE((((~n & 0xffff) << 16) | n) >>> 0, padded);
    const at = RAM_TOP - blob.length;
    for (let i = 0; i < blob.length; i += 4) wr(tid, dev, 2, at + i, blob.readUInt32LE(i), 4);
    for (let i = 0; i < 30; i++) rd(tid, dev, 2, RAM_TOP - 4, 4, blob.readUInt32LE(padded));
  }

  // Windows driver on 0000:03:00.0 (seed 000): firmware, then the NVRAM block high to low.
  {
    const dev = D3, tid = VCPU0, fw = firmware.dev03;
    for (let i = 0; i < fw.length; i += 4) {
      const word = Buffer.alloc(4);
      fw.copy(word, 0, i, Math.min(i + 4, fw.length));
      wr(tid, dev, 2, RAM_BASE + i, word.readUInt32LE(0), 4);
      if (i % 2048 === 0) rd(tid, dev, 0, 0x1804, 4, 0x0);
    }
    const text = Buffer.from(nvram.dev03.map((e) => e + '\0').join(''), 'latin1');
    wr(tid, dev, 2, 0x26c960, 0xa5a5a5a5, 4);
    wr(tid, dev, 2, 0x26ffda, 0x5a5a, 2);
    wr(tid, dev, 2, 0x26ffdc, 0x5a5a, 2);
    wr(tid, dev, 2, 0x26c964, 0x7fdd0000, 4);
    wr(tid, dev, 2, 0x26c968, 0x0, 4);
    wr(tid, dev, 2, 0x26c96c, 0x10000, 4);
    wr(tid, dev, 2, WIN_NVRAM_TEXT - 4, text.length, 4);
    // High to low, mixed widths; some stores first put stale bytes that a later, overlapping store fixes.
    let p = text.length;
    while (p > 0) {
      const choices = [8, 4, 2, 1].filter((w) => w <= p);
      const w = choices[Math.floor(rnd() * choices.length)];
      const at = WIN_NVRAM_TEXT + p - w;
      const stale = rnd() < 0.15;
      const bytes = text.subarray(p - w, p);
      const le = (b) => { let v = 0n; for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]); return v; };
      if (stale) wr(tid, dev, 2, at, le(Buffer.alloc(w, 0x3f)), w);
      wr(tid, dev, 2, at, le(bytes), w);
      if (w < 8 && p - w >= 8 && rnd() < 0.1) {
        // an 8-byte store overlapping what was just written, with the same (correct) bytes
        wr(tid, dev, 2, WIN_NVRAM_TEXT + p - 8, le(text.subarray(p - 8, p)), 8);
      }
      p -= w;
    }
    wr(tid, dev, 2, 0x26c974, 0x0, 4);
    wr(tid, dev, 2, 0x26c978, 0x0, 4);
    rd(tid, dev, 2, 0x26c960, 4, 0xa5a5a5a5);
    rd(tid, dev, 2, 0x26c964, 4, 0x7fdd0001); // the firmware changed it: --verify-reads shows this
  }
  emit(MAIN, 'vfio_intx_disable  (0000:03:00.0)');
  return {
    trace: lines.join('\n') + '\n',
    nvram: { dev03: nvram.dev03.join('\n') + '\n', dev04: nvram.dev04.join('\n') + '\n' },
    firmware,
  };
}

if (isMain(import.meta.url)) {
  stdoutAsTools('generate.mjs');
  const args = process.argv.slice(2);
  const num = (name, dflt) => {
    const i = args.indexOf(name);
    return i === -1 ? dflt : Number(args[i + 1]);
  };
  process.stdout.write(generate({ seed: num('--seed', 43602), fwSize: num('--fw-size', 24 * 1024) }).trace);
}
