export * from './model.js';
export * from './qemu.js';
export { Learner, PLAYBACK_CAP, HISTORY_CAP, type LearnOptions, type GivenBar } from './learn.js';
export { Checker, checkText, type CheckResult, type Mismatch, type Score } from './check.js';
export { modelJson, parseModel } from './load.js';
