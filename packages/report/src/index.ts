export * from './report.js';
export * from './page.js';
