import { LineWriter, cliParser, inputName, openInput, stringifyEvent, warn } from '@mmio-tools/core';
import { FORMATS, parseTrace, type Format } from './parse.js';

const TOOL = 'mmio-parse';
const MAX_WARNINGS = 20;

export async function main(argv: string[]): Promise<number> {
  const args = await cliParser(TOOL, argv)
    .usage(
      '$0 [options] [file ...]\n\n' +
        'Turn MMIO traces into NDJSON events, one per line: QEMU log/stderr/ftrace text\n' +
        '(vfio_region_*, vfio_pci_*_config, memory_region_ops_*), Linux mmiotrace text and\n' +
        'QEMU simpletrace binaries, each optionally gzip-compressed. No file or - reads stdin.',
    )
    .option('format', { alias: 'f', choices: FORMATS, default: 'auto' as Format, describe: 'input format; auto detects it from the content' })
    .option('all', { alias: 'a', type: 'boolean', default: false, describe: 'also emit every other QEMU trace event as {"type":"event"}' })
    .option('strict', { type: 'boolean', default: false, describe: 'fail on lines that are not trace output (default: skip and count them)' })
    .option('lenient', { type: 'boolean', default: false, describe: 'skip malformed event lines with a warning (default: fail)' })
    .example('$0 vfiotrace.log | jq -c \'select(.region == 2)\'', 'parse a QEMU VFIO trace')
    .example('$0 mmiotrace.log.gz > events.ndjson', 'parse a compressed mmiotrace log')
    .parseAsync();
  const files = (args._ as (string | number)[]).map(String);
  const out = new LineWriter(process.stdout);
  let warnings = 0;
  for (const path of files.length ? files : ['-']) {
    const file = inputName(path);
    const stats = await parseTrace(
      openInput(path),
      file,
      { format: args.format as Format, all: args.all, strict: args.strict, lenient: args.lenient },
      {
        event: (ev) => out.line(stringifyEvent(ev)),
        warn: (m) => {
          if (++warnings <= MAX_WARNINGS) warn(TOOL, m);
        },
        afterChunk: () => out.flushIfFull(),
      },
    );
    if (stats.unrecognised > 0) {
      warn(TOOL, `${file}: skipped ${stats.unrecognised} unrecognised line${stats.unrecognised === 1 ? '' : 's'} (first at line ${stats.firstUnrecognised})`);
    }
  }
  if (warnings > MAX_WARNINGS) warn(TOOL, `${warnings - MAX_WARNINGS} more warnings not shown`);
  await out.flush();
  return 0;
}
