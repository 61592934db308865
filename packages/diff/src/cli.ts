import { fstatSync, statSync, type Stats } from 'node:fs';
import { DEV_FORMS, LineWriter, Selection, UsageError, cliParser, completeValues, devOption, oneLine, warn, parseSelectOptions, selectorOptions, selects, stringifyEvent, type Ev } from '@mmio-tools/core';
import { inputOptions, inputOptionsOf, readInputs } from '@mmio-tools/parse';
import { textLine } from '@mmio-tools/format';
import { ALL_KEY_FIELDS, KEY_FIELDS, isIgnored, keyer, parseIgnore, parseKey } from './key.js';
import { Source, type Item } from './source.js';
import { diffSequences } from './sequence.js';
import { compareStates, lastWrites, type Last } from './state.js';

const TOOL = 'mmio-diff';

/** What a path is (`-`: standard input), or undefined when it cannot be told (the reader says why). */
function identity(path: string): Stats | undefined {
  try {
    return path === '-' ? fstatSync(0) : statSync(path);
  } catch {
    return undefined;
  }
}

/** The devices of each input (at most this many are kept). */
const MAX_DEVS = 64;

/** A note when A and B share no device: every access differs, and --map-dev is what reads them as one. */
function noSharedDevice(a: Set<string>, b: Set<string>): string | undefined {
  if (a.size === 0 || b.size === 0 || [...a].some((d) => b.has(d))) return undefined;
  const list = (s: Set<string>) => [...s].join(', ');
  const hint = a.size === 1 && b.size === 1 ? `--map-dev ${[...a][0]}=${[...b][0]}` : '--map-dev A=B';
  return `A and B share no device (A: ${list(a)}; B: ${list(b)}), so no access of one is in the other: ${hint} reads them as one device`;
}

export async function main(argv: string[]): Promise<number> {
  completeValues('key', ALL_KEY_FIELDS);
  const args = await inputOptions(selectorOptions(cliParser(TOOL, argv)))
    .usage(
      '$0 [options] A B\n\n' +
        'Compare two v1 event streams (either may be -). Sequence mode aligns the access\n' +
        'sequences on their keys, ignoring t, tid and line, and prints the differences as\n' +
        'events tagged "diff": "-" (only in A) or "+" (only in B), after a {"type":"hunk"}\n' +
        'event giving their positions. State mode compares the last value written to each\n' +
        'register. Inputs are NDJSON events or raw traces; the selectors choose what is\n' +
        'compared. Exit status: 0 same, 1 different, 2 trouble.',
    )
    .option('mode', { alias: 'm', choices: ['sequence', 'state'] as const, default: 'sequence' as const, describe: 'what to compare' })
    .option('key', { alias: 'k', type: 'string', default: KEY_FIELDS.join(','), describe: `fields that make two accesses equal (offset falls back to addr)` })
    .option('ignore', { alias: 'i', type: 'string', requiresArg: true, describe: 'offset range START-END or START+LEN whose values are not compared (counters, timestamps); may repeat' })
    .option('collapse-polls', { type: 'boolean', default: false, describe: 'fold runs of identical consecutive reads into one (their count is not compared)' })
    .option('text', { type: 'boolean', default: false, describe: 'print a unified-diff-like view with hex columns instead of NDJSON' })
    .option('context', { alias: 'U', type: 'number', default: 3, describe: '--text: equal accesses shown around each hunk' })
    .option('quiet', { type: 'boolean', default: false, describe: 'print nothing; only the exit status tells (as diff -q and grep -q)' })
    .option('map-dev', { type: 'string', requiresArg: true, describe: 'A=B: read device A as device B, in both inputs (one card seen at two PCI addresses); may repeat' })
    .example('$0 good.ndjson bad.ndjson --collapse-polls --text', 'what did the broken firmware do differently?')
    .example('$0 --mode state good.ndjson bad.ndjson | jq -c "select(.diff == \\"changed\\")"', 'registers set differently')
    .parseAsync();
  const files = (args._ as (string | number)[]).map(String);
  if (files.length !== 2) throw new UsageError(`expected two inputs A and B, got ${files.length}`);
  if (files[0] === '-' && files[1] === '-') throw new UsageError('only one input can be stdin');
  // Two names of one pipe (/dev/stdin and -, /dev/fd/0 twice) are one stream, which is read once.
  const [ia, ib] = files.map(identity);
  if (ia && ib && ia.dev === ib.dev && ia.ino === ib.ino && (ia.isFIFO() || ia.isSocket())) {
    throw new UsageError(`${files[0]} and ${files[1]} are one stream (${ia.isFIFO() ? 'a pipe' : 'a socket'}), which can be read only once: give one of them as a file`);
  }
  if (!Number.isInteger(args.context) || args.context < 0) throw new UsageError('--context: expected a whole number');
  const ignore = parseIgnore(([] as string[]).concat(args.ignore ?? []));
  const out = new LineWriter(process.stdout);
  const emit = (l: string) => {
    if (!args.quiet) out.line(l);
  };
  const [fa, fb] = files as [string, string];
  const select = parseSelectOptions(args as Record<string, unknown>);
  const io = inputOptionsOf(args, TOOL);
  /** The reader of one input: its events, selected (a Selection of its own), in order. */
  const devMap = new Map<string, string>();
  for (const m of ([] as string[]).concat(args.mapDev ?? [])) {
    const eq = m.indexOf('=');
    if (eq <= 0 || eq === m.length - 1) throw new UsageError(`--map-dev ${JSON.stringify(m)}: expected A=B (0000:01:00.0=0000:03:00.0)`);
    const [from, to] = [m.slice(0, eq).trim(), m.slice(eq + 1).trim()].map((d) => {
      const dev = devOption(d);
      if (dev === undefined) throw new UsageError(`--map-dev ${JSON.stringify(m)}: ${JSON.stringify(d)} is not a PCI address; give ${DEV_FORMS}`);
      return dev;
    });
    devMap.set(from!, to!);
  }
  const devsOf = new Map<string, Set<string>>();
  const reader = (path: string) => (onEvent: (ev: Ev) => void, afterChunk?: () => Promise<void>) => {
    const s = selects(select) ? new Selection(select) : undefined;
    const devs = devsOf.get(path) ?? new Set<string>();
    devsOf.set(path, devs);
    return readInputs(
      [path],
      (ev) => {
        if (devMap.size && typeof ev.dev === 'string') ev.dev = devMap.get(ev.dev) ?? ev.dev;
        if (s === undefined || s.pass(ev) === 'select') {
          if ((ev.type === 'read' || ev.type === 'write') && typeof ev.dev === 'string' && devs.size < MAX_DEVS) devs.add(ev.dev);
          onEvent(ev);
        }
      },
      { ...io, afterChunk },
    );
  };
  const show = (i: Item | Last, tag: string) => tag + ' ' + textLine('ev' in i ? i.ev : ({ type: 'write', ...i, offset: i.at } as Ev));

  if (args.mode === 'state') {
    const ignored = (ev: Ev) => isIgnored(ignore, ev);
    // --key names the register: its fields among dev, region, name, offset (or addr), width.
    const keyFields = args.key === KEY_FIELDS.join(',') ? undefined : parseKey(args.key);
    const [a, b] = await Promise.all([lastWrites(reader(fa), ignored, keyFields), lastWrites(reader(fb), ignored, keyFields)]);
    const { diffs } = compareStates(a, b);
    // The status is "different" from now on, whatever happens to stdout (| head).
    if (diffs.length) process.exitCode = 1;
    const note = noSharedDevice(devsOf.get(fa)!, devsOf.get(fb)!);
    if (note) warn(TOOL, note);
    if (args.text && diffs.length) emit(`--- ${oneLine(fa)}\n+++ ${oneLine(fb)}`);
    for (const d of diffs) {
      const r = d.reg;
      if (args.text) {
        const what = d.diff === 'changed' ? `${d.a!.value} -> ${d.b!.value}` : d.diff === 'only-a' ? `${d.a!.value} (only in A)` : `${d.b!.value} (only in B)`;
        emit(oneLine(`${d.diff === 'changed' ? '~' : d.diff === 'only-a' ? '-' : '+'} ${(r.dev ?? r.name ?? '-').padEnd(12)}  ${String(r.region ?? '-').padStart(2)}  ${r.at.padEnd(10)}  ${what}`));
      } else {
        emit(stringifyEvent({ type: 'state', diff: d.diff, dev: r.dev, region: r.region, name: r.name, offset: r.at, width: r.width, a: d.a?.value, b: d.b?.value, a_line: d.a?.line, b_line: d.b?.line }));
      }
      await out.flushIfFull();
    }
    await out.flush();
    return diffs.length ? 1 : 0;
  }

  const keyOf = keyer(parseKey(args.key), ignore);
  const A = new Source(fa, keyOf, args.collapsePolls, reader(fa));
  const B = new Source(fb, keyOf, args.collapsePolls, reader(fb));
  const ctx = args.context;
  const before: Item[] = [];
  let after = 0;
  let headed = false;
  const res = await diffSequences(A, B, {
    same(a) {
      if (!args.text) return;
      if (after > 0) {
        emit(show(a, ' '));
        after--;
      } else if (ctx > 0) {
        before.push(a);
        if (before.length > ctx) before.shift();
      }
    },
    async hunk(h) {
      // The status is "different" from the first hunk on, whatever happens to stdout (| head).
      process.exitCode = 1;
      if (args.text) {
        if (!headed) emit(`--- ${oneLine(A.file)}\n+++ ${oneLine(B.file)}`);
        headed = true;
        emit(`@@ -${h.aStart},${h.aCount} +${h.bStart},${h.bCount} @@`);
        for (const c of before) emit(show(c, ' '));
        before.length = 0;
        for (const { op, item } of h.ops) emit(show(item, op === '=' ? ' ' : op));
        after = ctx;
      } else {
        emit(stringifyEvent({ type: 'hunk', a_start: h.aStart, a_count: h.aCount, b_start: h.bStart, b_count: h.bCount }));
        for (const { op, item } of h.ops) {
          if (op === '=') continue;
          // The item is done with: its event takes the two fields (cheaper than a copy of it).
          item.ev.diff = op;
          item.ev.index = item.index;
          emit(stringifyEvent(item.ev));
        }
      }
      // Hunks go out as they are found: memory stays bounded, and `| head` sees them at once.
      await out.flushIfFull();
    },
  });
  const note = noSharedDevice(devsOf.get(fa)!, devsOf.get(fb)!);
  if (note) warn(TOOL, note);
  await out.flush();
  return res.hunks > 0 ? 1 : 0;
}
