export * from './image.js';
export * from './replay.js';
