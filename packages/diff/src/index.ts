export * from './key.js';
export * from './lcs.js';
export * from './source.js';
export * from './sequence.js';
export * from './state.js';
