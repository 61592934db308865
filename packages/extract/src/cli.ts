import { writeFile } from 'node:fs/promises';
import { InputError, LineWriter, UsageError, cliParser, inputName, readWhole, toHex, writeAtomic } from '@mmio-tools/core';
import { bestNvramRun, nvramEntries, nvramTextBlocks, scanNvramRuns } from './nvram.js';
import { findFirmware } from './firmware.js';
import { findStrings } from './strings.js';

const TOOL = 'mmio-extract';

/** The largest image read: 1 GiB (a chip's RAM is megabytes; /dev/zero must not take the machine). */
const MAX_IMAGE = 1 << 30;

function loadImage(path: string): Promise<Buffer> {
  return readWhole(path, MAX_IMAGE);
}

export async function main(argv: string[]): Promise<number> {
  const out = new LineWriter(process.stdout);
  // yargs gives a positional `-` as '': it is standard input, as for every tool.
  const stdinNamed = argv.includes('-');
  const pathOf = (image: string) => (image === '' && stdinNamed ? '-' : image);
  const load = (image: string) => loadImage(pathOf(image));
  const shown = (image: string) => inputName(pathOf(image));
  await cliParser(TOOL, argv)
    .usage('$0 <nvram|firmware|strings> IMAGE [options]\n\nCarve Broadcom NVRAM text, FullMAC firmware and strings out of a memory image (from mmio-replay).')
    .command(
      'nvram <image>',
      'print the NVRAM found in the image, one key=value per line (the file brcmfmac loads)',
      (y) =>
        y
          .positional('image', { type: 'string', demandOption: true, describe: 'image file, - for stdin' })
          .option('json', { type: 'boolean', default: false, describe: 'print {"type":"nvram","key","value","offset"} events instead' })
          .option('candidates', { type: 'boolean', default: false, describe: 'list every candidate run, not only the best one (--all is the old name)' })
          .option('all', { type: 'boolean', hidden: true })
          .option('min', { type: 'number', default: 3, describe: 'fewest key=value entries that make a run' })
          .option('min-entries', { type: 'number', hidden: true, describe: 'the old name of --min' }),
      async (a) => {
        const img = await load(a.image);
        if (a.minEntries !== undefined) a.min = a.minEntries;
        if (!Number.isInteger(a.min) || a.min < 1) throw new UsageError('--min must be a whole number of at least 1');
        const candidates = a.candidates || a.all;
        // Runs one at a time, entries one at a time: memory is the image and one output block.
        const chosen = candidates ? scanNvramRuns(img, a.min) : [bestNvramRun(scanNvramRuns(img, a.min))].filter((r) => r !== undefined);
        let i = 0;
        for (const run of chosen) {
          if (!a.json && candidates) out.line(`# run ${i}: ${toHex(run.start)}-${toHex(run.end)}, ${run.count} entries, length check: ${run.check}`);
          if (!a.json) {
            for (const block of nvramTextBlocks(run)) {
              await out.block(block);
              // Nobody reads on (`| head`): the rest is not worth making.
              if (out.gone) return;
            }
          } else {
            let n = 0;
            for (const e of nvramEntries(run)) {
              // {"type":"nvram","key","value","offset"[,"run"]}, as JSON.stringify would write it, without an object per entry.
              out.line(`{"type":"nvram","key":${JSON.stringify(e.key)},"value":${JSON.stringify(e.value)},"offset":"${toHex(e.offset)}"${candidates ? `,"run":${i}` : ''}}`);
              if (++n % 4096 === 0) {
                await out.flushIfFull();
                if (out.gone) return;
              }
            }
          }
          await out.flushIfFull();
          if (out.gone) return;
          i++;
        }
        if (i === 0) throw new InputError(`no NVRAM found (no run of ${a.min} or more NUL-separated key=value entries)`, shown(a.image));
      },
    )
    .command(
      'firmware <image>',
      'carve a Broadcom FullMAC firmware image exactly, start to end',
      (y) =>
        y
          .positional('image', { type: 'string', demandOption: true, describe: 'image file, - for stdin' })
          .option('output', { alias: 'o', type: 'string', demandOption: true, requiresArg: true, describe: 'firmware file to write (atomically)' })
          .option('index', { type: 'number', default: 0, describe: 'which firmware, when the image holds several' }),
      async (a) => {
        const img = await load(a.image);
        const fws = findFirmware(img);
        const fw = fws[a.index];
        if (!fw) {
          throw new InputError(
            fws.length === 0 ? 'no Broadcom firmware found (no DBPP header at 0x74 with a FWID version trailer)' : `firmware --index ${a.index}: only ${fws.length} found`,
            shown(a.image),
          );
        }
        await writeAtomic(a.output, (target) => writeFile(target, img.subarray(fw.start, fw.end)), [pathOf(a.image)]);
        out.line(JSON.stringify({ type: 'firmware', path: a.output, offset: toHex(fw.start), size: fw.end - fw.start, ramBase: toHex(fw.ramBase), version: fw.version }));
      },
    )
    .command(
      'strings <image>',
      'printable strings with their offsets, as NDJSON',
      (y) =>
        y
          .positional('image', { type: 'string', demandOption: true, describe: 'image file, - for stdin' })
          .option('min', { type: 'number', default: 4, describe: 'shortest string to print' }),
      async (a) => {
        if (!Number.isInteger(a.min) || a.min < 1) throw new UsageError('--min must be a whole number of at least 1');
        const img = await load(a.image);
        let n = 0;
        for (const s of findStrings(img, a.min)) {
          out.line(JSON.stringify({ type: 'string', offset: toHex(s.offset), text: s.text }));
          n++;
          if (n % 4096 === 0) {
            await out.flushIfFull();
            // Nobody reads on (`| head`): the rest is not worth making.
            if (out.gone) return;
          }
        }
        if (n === 0) throw new InputError(`no strings of ${a.min} or more characters`, shown(a.image));
      },
    )
    .demandCommand(1, 'name a mode: nvram, firmware or strings')
    .strict()
    .parseAsync();
  await out.flush();
  return 0;
}
