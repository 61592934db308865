export * from './parse.js';
export { parseQemuLine } from './qemu.js';
export { MmiotraceParser, looksLikeMmiotrace } from './mmiotrace.js';
export { decodeSimpleTrace, isSimpleTrace, SIMPLE_MAGIC } from './simpletrace.js';
export { MalformedLine, SKIP, normalizeDev } from './common.js';
export { accessEvent, accessLine } from './qemu.js';
export { parseTextParallel } from './parallel.js';
export * from './input.js';
