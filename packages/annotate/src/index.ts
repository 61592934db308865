export * from './regs.js';
export * from './rnndb.js';
export * from './rnnmap.js';
export * from './map.js';
export * from './load.js';
