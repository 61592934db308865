export * from './mmiotrace.js';
export * from './qemu.js';
export * from './table.js';
export * from './time.js';
export * from './perfetto.js';
