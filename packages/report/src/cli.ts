import { open } from 'node:fs/promises';
import { UsageError, cliParser, inputName, selectorOptions, writeAtomic } from '@mmio-tools/core';
import { inputOptions, readSelected } from '@mmio-tools/parse';
import { ReportBuilder } from './report.js';
import { pageChunks } from './page.js';

const TOOL = 'mmio-report';

export async function main(argv: string[]): Promise<number> {
  const args = await inputOptions(
    selectorOptions(
      cliParser(TOOL, argv).usage(
        '$0 -o report.html [options] [file ...]\n\n' +
          'One self-contained HTML page (no network) to look at a trace: a heatmap of accesses\n' +
          '(register × time, per region, reads and writes apart; drag to zoom), a timeline of\n' +
          'marks, interrupts, resets, lost events and regions, the register table of mmio-regs\n' +
          '(sortable, filterable, kinds shown) and, for a clicked register, its value over time.\n' +
          'Inputs are NDJSON events (annotated ones show register names and fields) or raw\n' +
          'traces; the selectors choose what is shown.',
      ),
    ),
  )
    .option('output', { alias: 'o', type: 'string', demandOption: true, requiresArg: true, describe: 'the HTML file to write (written whole, or not at all)' })
    .option('title', { type: 'string', requiresArg: true, describe: 'the page title (default: the input file names)' })
    .example('$0 -o e1000.html --region 0 qemu-vfio.log', 'the report of a trace')
    .example('mmio-parse nv.log | mmio-annotate --regs nv_mmio.xml | $0 -o nv.html', 'with register names and decoded values')
    .parseAsync();
  const files = (args._ as (string | number)[]).map(String);
  if (args.output === '-') throw new UsageError('-o -: the report is a file; give its name');
  const builder = new ReportBuilder((args.title as string | undefined) ?? (files.length ? files.map(inputName).join(', ') : 'stdin'));
  await readSelected(files, args as Record<string, unknown>, TOOL, (ev) => builder.add(ev));
  await writeAtomic(args.output, (target) => writePage(builder, target), files.length ? files : ['-']);
  return 0;
}

/**
 * The page, written as it is made, 64 KiB at a time: it is never one string (a page of a million
 * registers is hundreds of MB). Pieces of a MiB were strings the collector keeps apart (large
 * objects) until a full collection: 1M registers rose 30-60 MB more while the page was written.
 * Long work gives way every 50 ms, so that SIGINT and SIGTERM act at once.
 */
async function writePage(builder: ReportBuilder, target: string): Promise<void> {
  const fh = await open(target, 'w');
  try {
    let buf = '';
    let since = Date.now();
    for (const chunk of pageChunks(builder.stream())) {
      buf += chunk;
      if (buf.length >= 1 << 16) {
        await fh.write(buf);
        buf = '';
      }
      if (Date.now() - since >= 50) {
        await new Promise((resolve) => setImmediate(resolve));
        since = Date.now();
      }
    }
    await fh.write(buf);
  } finally {
    await fh.close();
  }
}
