export * from './local-clickhouse.js';
