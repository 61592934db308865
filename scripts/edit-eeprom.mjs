#!/usr/bin/env node
// edit-eeprom.mjs: a raw QEMU memory-ops trace (gzip or text) with words of a bit-banged EEPROM
// changed, for the control of scripts/qemu-loop.sh: a model learned from the edited trace must give
// the edited MAC.
//
//   node scripts/edit-eeprom.mjs MODEL.json TRACE OUT.gz --word 0x2=0xe15a [--word …] [--checksum 0x3f=0xbaba]
//
// MODEL.json (learned from TRACE) names the EEPROM register and its wiring (the `eeprom` rule: cs, sk,
// di, do, clock edge, …) and holds the words the trace read. The trace's writes to that register drive
// the model's own EEPROM state machine (eepromWrite, eepromOutput of packages/model); each read that
// samples a bit of an edited word gets that bit of the new word in DO. --checksum W=SUM sets word W so
// that words 0..W add up to SUM (e1000: 0x3f=0xbaba). Nothing else in the trace changes.
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { createGunzip, createGzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { eepromOutput, eepromWrite, newEepromState } from '../packages/model/dist/index.js';

const die = (msg, code = 1) => {
  process.stderr.write(`edit-eeprom: ${msg}\n`);
  process.exit(code);
};
const args = process.argv.slice(2);
const pos = [];
const edits = new Map();
let checksum;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--word' || args[i] === '--checksum') {
    const m = /^(0x[0-9a-f]+)=(0x[0-9a-f]+)$/i.exec(args[++i] ?? '');
    if (!m) die(`${args[i - 1]} ADDR=VALUE (hex)`, 2);
    if (args[i - 1] === '--word') edits.set(Number(m[1]), Number(m[2]) & 0xffff);
    else checksum = [Number(m[1]), Number(m[2]) & 0xffff];
  } else pos.push(args[i]);
}
if (pos.length !== 3 || edits.size === 0) die('usage: edit-eeprom.mjs MODEL.json TRACE OUT.gz --word ADDR=VALUE … [--checksum W=SUM]', 2);
const [modelFile, traceFile, outFile] = pos;
const model = JSON.parse(readFileSync(modelFile, 'utf8'));
const reg = model.registers.find((r) => r.rule.kind === 'eeprom');
if (!reg) die(`${modelFile}: no eeprom rule`);
const rule = reg.rule;
const words = new Map(rule.words.map(([a, w]) => [Number(a), Number(w)]));
for (const [a, w] of edits) words.set(a, w);
if (checksum) {
  const [at, sum] = checksum;
  let s = 0;
  for (let a = 0; a < at; a++) {
    if (!words.has(a)) die(`--checksum: word ${a} is not in the model (the trace did not read it)`);
    s += words.get(a);
  }
  const w = (sum - s) & 0xffff;
  edits.set(at, w);
  words.set(at, w);
}
const bar = model.bars.find((b) => b.index === reg.region);
const names = new Set(bar?.names ?? []);
if (!names.size) die(`${modelFile}: BAR ${reg.region} has no region names (a QEMU memory-ops trace is needed)`);
const size = BigInt(bar.size);
const offset = BigInt(reg.offset);
const doMask = 1n << BigInt(rule.do);
const state = newEepromState();
const LINE = /^(.*memory_region_ops_(read|write) .*\baddr (0x[0-9a-f]+) value )(0x[0-9a-f]+)( size (\d+) name '([^']*)'.*)$/;
let edited = 0;
let reads = 0;

const input = createReadStream(traceFile);
const text = traceFile.endsWith('.gz') ? input.pipe(createGunzip()) : input;
async function* lines() {
  for await (const line of createInterface({ input: text, crlfDelay: Infinity })) {
    const m = LINE.exec(line);
    if (!m || !names.has(m[7]) || Number(m[6]) !== reg.width) {
      yield line + '\n';
      continue;
    }
    const addr = BigInt(m[3]);
    if ((addr & (size - 1n)) !== offset) {
      yield line + '\n';
      continue;
    }
    let value = BigInt(m[4]);
    if (m[2] === 'write') eepromWrite(rule, state, value);
    else {
      reads++;
      const out = eepromOutput(rule, state);
      if (typeof out === 'object' && edits.has(out.addr)) {
        const bit = (words.get(out.addr) >> out.bit) & 1;
        const nv = (value & ~doMask) | (bit ? doMask : 0n);
        if (nv !== value) edited++;
        value = nv;
      }
    }
    yield `${m[1]}0x${value.toString(16)}${m[5]}\n`;
  }
}
await pipeline(Readable.from(lines()), createGzip(), createWriteStream(outFile));
process.stderr.write(`edit-eeprom: ${outFile}: ${edited} of ${reads} EEPROM reads changed (words ${[...edits].map(([a, w]) => `0x${a.toString(16)}=0x${w.toString(16)}`).join(', ')})\n`);
