export * from './analytics-api.js';
export * from './errors.js';
export * from './identity.js';
export * from './request-event.js';
export * from './event-batch.js';
