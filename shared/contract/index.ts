export * from './channels.js';
export * from './topics.js';
export * from './bridge-api.js';
export * from './wire.js';
