#!/usr/bin/env node
// @ts-check
/**
 * Writes a large, deterministic QEMU VFIO trace in the format of seed 000 for the benchmark:
 * repeated firmware downloads to BAR2 of two BCM43602 cards (the example's firmware images),
 * interleaved with BAR0 status polls, config-space reads, MSI interrupts and other QEMU events.
 * Streams to a file, so the size is not limited by memory.
 *
 * Usage: gen-trace.mjs --lines N [--seed S] > trace.log
 * As a module: await writeTrace(path, { lines, seed }) → { lines, bytes, accesses }
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { firmwareImage, isMain, prng, RAM_BASE, stdoutAsTools } from '../examples/bcm43602/generate.mjs';

/**
 * @param {NodeJS.WritableStream} out
 * @param {{ lines: number, seed?: number }} opts
 */
export async function generateTo(out, opts) {
  const rnd = prng(opts.seed ?? 2);
  const fw = firmwareImage(512 * 1024, 3, 'bench-43602a1 Version: 7.35.177.61 (r598657) FWID: 01-bench');
  const devs = ['0000:03:00.0', '0000:04:00.0'];
  let now = 1581830830000000;
  let lines = 0, accesses = 0, bytes = 0;
  let buf = '';
  const emit = (tid, text) => {
    now += 1 + Math.floor(rnd() * 12);
    buf += `${tid}@${Math.floor(now / 1e6)}.${String(now % 1e6).padStart(6, '0')}:${text}\n`;
    lines++;
  };
  const flush = async () => {
    bytes += Buffer.byteLength(buf);
    if (!out.write(buf)) await once(out, 'drain');
    buf = '';
  };
  emit(488, `vfio_region_setup Device ${devs[0]}, region 2 "${devs[0]} BAR 2", flags: 0x7, offset: 0x20000000000, size: 0x400000`);
  for (let round = 0; lines < opts.lines; round++) {
    const dev = devs[round % 2];
    const tid = 493 + (round % 2);
    for (let off = 0; off < 0x10; off += 4) {
      emit(tid, `vfio_pci_read_config  (${dev}, @0x${off.toString(16)}, len=0x4) 0x${(0x43ba14e4 + off).toString(16)}`);
      accesses++;
    }
    for (let i = 0; i < fw.length && lines < opts.lines; i += 4) {
      emit(tid, `vfio_region_write  (${dev}:region2+0x${(RAM_BASE + i).toString(16)}, 0x${fw.readUInt32LE(i).toString(16)}, 4)`);
      accesses++;
      const r = rnd();
      if (r < 0.05) {
        emit(tid, `vfio_region_read  (${dev}:region0+0x1804, 4) = 0x${r < 0.01 ? '1' : '0'}`);
        accesses++;
      } else if (r < 0.06) {
        emit(488, `vfio_msi_interrupt  (${dev}) vector 0 0xfee00000/0x4021`);
      }
      if (buf.length > 1 << 16) await flush();
    }
  }
  await flush();
  return { lines, bytes, accesses };
}

/** @param {string} path @param {{ lines: number, seed?: number }} opts */
export async function writeTrace(path, opts) {
  const out = createWriteStream(path);
  const res = await generateTo(out, opts);
  out.end();
  await once(out, 'finish');
  return res;
}

if (isMain(import.meta.url)) {
  stdoutAsTools('gen-trace.mjs');
  const args = process.argv.slice(2);
  const num = (name, dflt) => {
    const i = args.indexOf(name);
    return i === -1 ? dflt : Number(args[i + 1]);
  };
  const res = await generateTo(process.stdout, { lines: num('--lines', 2_000_000), seed: num('--seed', 2) });
  process.stderr.write(JSON.stringify(res) + '\n');
}
