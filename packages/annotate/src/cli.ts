import { LineWriter, insertMembers, lastLineCanonical, UsageError, cliParser, selectorOptions, stringifyEvent, warn, withDefaultSignals } from '@mmio-tools/core';
import { inputOptions, readSelected } from '@mmio-tools/parse';
import { followOption } from '@mmio-tools/parse';
import { loadRegisters, rootsOf } from './load.js';

const TOOL = 'mmio-annotate';

export async function main(argv: string[]): Promise<number> {
  const args = await followOption(inputOptions(
    selectorOptions(
      cliParser(TOOL, argv).usage(
        '$0 --regs FILE [options] [file ...]\n\n' +
          'Add "reg": "NAME" to access events whose (region, offset) hits a register of the\n' +
          'database, and "fields": {...} with the bitfields of the value. The database is an\n' +
          'envytools rnndb XML file (names and "decoded" values as envytools\' demmio prints\n' +
          'them) or a JSON/YAML register map. Other events pass unchanged.\n' +
          'Inputs are NDJSON events or raw traces; the selectors choose what is written.',
      ),
    ),
  ))
    .option('regs', { type: 'string', demandOption: true, requiresArg: true, describe: 'register database: rnndb .xml, or .json/.yaml map' })
    .option('domain', { type: 'string', requiresArg: true, describe: 'rnndb domain to use (default: the only one)' })
    .option('bar', { type: 'string', default: '0', describe: 'rnndb: the region (BAR) the domain describes (--region selects events, as in every tool)' })
    .option('rnn-path', { type: 'string', requiresArg: true, describe: 'rnndb: database roots DIR:DIR… for <import> and a --regs name without a / (default: $RNN_PATH, else the --regs file\'s directory)' })
    .option('variant', { type: 'string', requiresArg: true, describe: 'rnndb: name with this variant: NAME (e.g. GK104), ENUM=NAME or a chipset id in hex (default: per device, from its first access at offset 0, PMC_BOOT_0, as demmio)' })
    .example('mmio-parse trace.log | $0 --regs examples/bcm43602/regs.json | mmio-format --to text', 'read a trace with register names')
    .example('RNN_PATH=envytools/build/rnndb-generated:envytools/rnndb mmio-parse nv.log | $0 --regs nv_mmio.xml --domain NV_MMIO | mmio-format --to text', 'envytools names and decoded values')
    .parseAsync();
  if (!/^\d+$/.test(args.bar)) throw new UsageError(`--bar ${JSON.stringify(args.bar)}: expected a region index 0-8`);
  const rnnPath = args['rnn-path'] as string | undefined;
  // RNN_PATH set to no directory (``, `:::`) is as if unset; --rnn-path given so is a mistake.
  if (rnnPath !== undefined && rootsOf(rnnPath) === undefined) throw new UsageError(`--rnn-path ${JSON.stringify(rnnPath)}: names no directory (expected DIR:DIR...)`);
  const roots = rootsOf(rnnPath) ?? rootsOf(process.env.RNN_PATH);
  // A database of 64 MiB takes seconds to read, in one synchronous step: a signal ends it at once.
  const regs = withDefaultSignals(() => loadRegisters(args.regs, { domain: args.domain, region: +args.bar, roots, variant: args.variant as string | undefined }));
  const out = new LineWriter(process.stdout);
  const files = (args._ as (string | number)[]).map(String);
  let accesses = 0;
  let named = 0;
  let byAddress = 0;
  await readSelected(
    files,
    args as Record<string, unknown>,
    TOOL,
    (ev, raw) => {
      // A canonical line gets the new fields spliced in: the same text as writing it again, at a fraction of the cost.
      if (raw !== undefined && lastLineCanonical && regs.members) {
        const add = regs.members(ev);
        accesses++;
        if (add !== undefined) {
          named++;
          out.line(insertMembers(raw, add));
        } else {
          if (ev.offset === undefined) byAddress++;
          out.line(raw);
        }
        return;
      }
      const hit = regs.annotate(ev);
      if (ev.type === 'read' || ev.type === 'write') {
        accesses++;
        if (hit) named++;
        else if (ev.offset === undefined) byAddress++;
      }
      out.line(raw === undefined || hit ? stringifyEvent(ev) : raw);
    },
    // A chipset read the selectors leave out still tells the variant.
    { leftOut: (ev) => regs.observe?.(ev), afterChunk: () => out.flushIfFull() },
  );
  for (const m of regs.notes()) warn(TOOL, m);
  // Nothing named is a result to say, not to leave silent: say why where it can be told.
  if (accesses > 0 && named === 0) {
    warn(TOOL, byAddress === accesses
      ? `no access was named: the ${accesses} accesses have an absolute address and no region offset (memory-region events), and a register database names offsets in a region`
      : `no access was named: none of the ${accesses} accesses hits a register of ${args.regs}`);
  }
  await out.flush();
  return 0;
}
