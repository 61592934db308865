export * from './nvram.js';
export * from './firmware.js';
export * from './strings.js';
