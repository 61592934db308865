export * from './filter.js';
export * from './options.js';
