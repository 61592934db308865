export * from './model.js';
export * from './qemu.js';
