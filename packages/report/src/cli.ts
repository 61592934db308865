import { writeFile } from 'node:fs/promises';
import { UsageError, cliParser, inputName, selectorOptions, writeAtomic } from '@mmio-tools/core';
import { inputOptions, readSelected } from '@mmio-tools/parse';
import { ReportBuilder } from './report.js';
import { page } from './page.js';

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
  const html = page(builder.finish());
  await writeAtomic(args.output, (target) => writeFile(target, html), files.filter((f) => f !== '-'));
  return 0;
}
