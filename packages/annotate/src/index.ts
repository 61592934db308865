export * from './regs.js';
export * from './rnndb.js';
export * from './map.js';
export * from './load.js';
