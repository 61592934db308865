import { resolve } from 'node:path';
import { LineWriter, OutputBatch, Selection, SelectionPushdown, UsageError, InputError, cliParser, completeValues, parseNumber, parseSelectOptions, selectorOptions, selects, stringifyEvent, warn, warnInvalid } from '@mmio-tools/core';
import { inputOptions, inputOptionsOf, readInputs } from '@mmio-tools/parse';
import { Replayer, bytesOutside, describeKey, parseOrigin, planImage, splitPath, writeImageTo, type ReplayOptions } from './replay.js';

const TOOL = 'mmio-replay';

export async function main(argv: string[]): Promise<number> {
  completeValues('origin', ['auto', 'first', 'min']);
  const args = await inputOptions(
    selectorOptions(
      cliParser(TOOL, argv).usage(
        '$0 -o IMAGE [options] [file ...]\n\n' +
          'Apply the write events of a trace or a v1 event stream, in order, to a memory image:\n' +
          'width bytes of value at offset (or addr) minus the origin. The selected events must\n' +
          'hold one region (dev, region, name) unless --split names one image per region.\n' +
          'Prints one NDJSON summary per image (path, key, origin, size, writes, extents).',
      ),
    ),
  )
    .option('output', { alias: 'o', type: 'string', requiresArg: true, describe: 'image file to write (atomically)' })
    .option('split', { type: 'string', requiresArg: true, describe: "one image per region, named by a template with {dev}, {region}, {name}: 'img-{dev}-{region}.bin'" })
    .option('origin', { type: 'string', default: 'auto', describe: 'address of image byte 0: auto (0 for region offsets; for absolute addresses, the page of the lowest write), a number, first (the first write) or min (the lowest write)' })
    .option('fill', { type: 'string', default: '0x00', describe: 'byte value of never-written bytes' })
    .option('size', { type: 'string', requiresArg: true, describe: 'image size in bytes (default: end of the highest write); bytes past it are dropped' })
    .option('big-endian', { type: 'boolean', default: false, describe: 'store values big-endian (default little-endian)' })
    .option('verify-reads', { type: 'boolean', default: false, describe: 'print reads whose value differs from the image as {"type":"mismatch"} events' })
    .example('$0 --dev 03:00.0 --region 2 -o tcm.bin trace.log', 'replay the TCM writes of BAR2, straight from the trace')
    .example("mmio-parse trace.log | mmio-filter --dev 03:00.0 --region 2 | $0 -o tcm.bin", 'the same, as a pipeline')
    .example("mmio-parse trace.log | mmio-filter --type write | $0 --split 'img-{dev}-{region}.bin'", 'one image per region')
    .parseAsync();
  if (!args.output === !args.split) throw new UsageError('give exactly one of -o IMAGE or --split TEMPLATE');
  if (args.output === '-') throw new UsageError('-o -: the image cannot go to stdout (stdout carries the summary); name a file');
  const fill = parseNumber(args.fill);
  if (fill === undefined || fill > 255n) throw new UsageError(`--fill ${JSON.stringify(args.fill)}: expected a byte value 0-255 (0x00-0xff)`);
  let size: bigint | undefined;
  if (args.size !== undefined) {
    size = parseNumber(args.size);
    if (size === undefined) throw new UsageError(`--size ${JSON.stringify(args.size)}: expected a number of bytes`);
  }
  const o: ReplayOptions = { origin: parseOrigin(args.origin), fill: Number(fill), size, bigEndian: args.bigEndian, verifyReads: args.verifyReads };
  const out = new LineWriter(process.stdout);
  const replayer = new Replayer(o, (ev, image) => {
    const { type: _t, ...rest } = ev;
    out.line(stringifyEvent({ type: 'mismatch', ...rest, image }));
  });
  const files = (args._ as (string | number)[]).map(String);
  const select = parseSelectOptions(args as Record<string, unknown>);
  const selection = selects(select) ? new Selection(select) : undefined;
  const io = inputOptionsOf(args, TOOL, () => out.flushIfFull());
  // The byte path (issue 25): accesses selected and applied straight from their bytes, where the selectors allow.
  const push = SelectionPushdown.of(selection);
  if (push !== undefined) io.access = replayer.consumer(push);
  const res = await readInputs(
    files,
    selection ? (ev, _raw, line, file) => selection.pass(ev) === 'select' && replayer.feed(ev, file, line) : (ev, _raw, line, file) => replayer.feed(ev, file, line),
    io,
  );
  warnInvalid(TOOL, res);
  for (const m of selection?.report() ?? []) warn(TOOL, m);
  const slots = [...replayer.slots.values()];
  if (slots.length === 0) throw new InputError('no write events in the input: no image written');
  if (args.output && slots.length > 1) {
    throw new InputError(
      `the writes are for ${slots.length} regions (${slots.map((s) => describeKey(s.key)).join('; ')}): ` +
        "select one with mmio-filter, or use --split 'img-{dev}-{region}.bin'",
    );
  }
  const paths = slots.map((slot) => args.output ?? splitPath(args.split!, slot.key));
  // Two regions must not go to one file: the second image would replace the first.
  const byPath = new Map<string, string[]>();
  paths.forEach((p, i) => byPath.set(resolve(p), [...(byPath.get(resolve(p)) ?? []), describeKey(slots[i]!.key)]));
  for (const [p, keys] of byPath) {
    if (keys.length > 1) throw new InputError(`--split ${JSON.stringify(args.split)} names one file for ${keys.length} regions: ${p} (${keys.join('; ')}); add a placeholder that tells them apart`);
  }
  // Every image is written before any is put in place: all of them, or none.
  const batch = new OutputBatch(files.length ? files : ['-']);
  const summaries: { summary: Omit<ReturnType<typeof planImage>, 'originN' | 'sizeN'>; origin: bigint }[] = [];
  try {
    for (const [i, slot] of slots.entries()) {
      const { originN, sizeN, ...summary } = planImage(slot, paths[i]!, o);
      await batch.add(paths[i]!, (target, sequential) => writeImageTo(slot, target, sequential, originN, sizeN, o.fill)).catch((e: { code?: string }) => {
        if (e?.code === 'EFBIG') throw new InputError(`file too large for this file system: the image is ${summary.size} bytes from ${summary.origin} (--origin sets where it starts)`, paths[i]!);
        throw e;
      });
      summaries.push({ summary, origin: originN });
    }
    await batch.commit();
  } catch (e) {
    await batch.abandon();
    throw e;
  }
  for (const [i, { summary, origin }] of summaries.entries()) {
    out.line(JSON.stringify(summary));
    if (size !== undefined) {
      const past = bytesOutside(slots[i]!.image, origin, size);
      if (past > 0n) warn(TOOL, `${summary.path}: ${past} written byte${past === 1n ? '' : 's'} lie past --size ${args.size} and are not in the image`);
    }
  }
  await out.flush();
  return 0;
}
