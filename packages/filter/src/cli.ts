import { LineWriter, cliParser, readEvents, warnInvalid } from '@mmio-tools/core';
import { EventFilter } from './filter.js';
import { parseFilterOptions } from './options.js';

const TOOL = 'mmio-filter';

export async function main(argv: string[]): Promise<number> {
  const str = (describe: string) => ({ type: 'string' as const, describe, requiresArg: true });
  const args = await cliParser(TOOL, argv)
    .usage(
      '$0 [options] [file ...]\n\n' +
        'Select v1 events (from mmio-parse) by device, region, address range, type, width,\n' +
        'value, time, marker or line. All given selectors must match; an option given twice\n' +
        'or with a comma list matches any of its values. Context events (device, map, unmap,\n' +
        'mark, lost, region, mmap, reset, irq) pass through unless --type leaves them out.\n' +
        'Passing lines are copied unchanged.',
    )
    .option('type', { alias: 't', ...str('event types: read,write,mark,device,map,unmap,lost,unknown-op,event,region,mmap,reset,irq') })
    .option('dev', { alias: 'd', ...str('PCI device, 0000:03:00.0 or 03:00.0 (or a VFIO name as printed)') })
    .option('region', { alias: 'r', ...str('VFIO region index: 0-5 BARs, 6 ROM, 7 config space, 8 VGA') })
    .option('name', { alias: 'n', ...str("memory-region name, a glob: 'e1000-*'") })
    .option('mr', { ...str('MemoryRegion pointer of memory_region_ops events (0x55ce237eb4a0): tells regions apart where QEMU prints no name') })
    .option('offset', { alias: 'o', ...str('region offset range START-END (END exclusive) or START+LENGTH; an access matches when any of its bytes is inside') })
    .option('addr', { ...str('absolute address range, as --offset') })
    .option('width', { alias: 'w', ...str('access widths in bytes: 1,2,4,8') })
    .option('value', { ...str('values, compared as numbers (0x00a5 equals 0xa5)') })
    .option('since', { ...str('keep events at or after this time: seconds, or +S after the first event') })
    .option('until', { ...str('keep events before this time: seconds, or +S after the first event') })
    .option('from-mark', { ...str('start at the first mark whose text contains this') })
    .option('to-mark', { ...str('stop at the next mark whose text contains this') })
    .option('lines', { alias: 'l', ...str('source line numbers A-B (inclusive), A- or -B') })
    .option('invert', { alias: 'v', type: 'boolean', default: false, describe: 'keep the events that do not match' })
    .option('collapse-polls', { alias: 'c', type: 'boolean', default: false, describe: 'fold runs of identical consecutive reads into one event with "repeat": N' })
    .option('count', { type: 'boolean', default: false, describe: 'print only the number of selected events (context events not counted)' })
    .option('skip-invalid', { type: 'boolean', default: false, describe: 'skip invalid lines with one warning (default: fail)' })
    .example("$0 --dev 03:00.0 --region 2 --offset 0x26c960-0x270000 events.ndjson", 'the NVRAM writes of seed 000')
    .example('mmio-parse trace.log | $0 --type write --region 2 --count', 'how many writes to BAR2?')
    .parseAsync();
  const opts = parseFilterOptions(args as Record<string, unknown>);
  const out = new LineWriter(process.stdout);
  const filter = new EventFilter(opts, args.count ? () => undefined : (l) => out.line(l));
  const files = (args._ as (string | number)[]).map(String);
  const res = await readEvents(files, (ev, raw) => filter.feed(ev, raw), {
    skipInvalid: args.skipInvalid,
    afterChunk: () => out.flushIfFull(),
  });
  filter.end();
  if (args.count) out.line(String(filter.selected));
  warnInvalid(TOOL, res);
  await out.flush();
  return 0;
}
