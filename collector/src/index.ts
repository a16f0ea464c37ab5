/** Programmatic entry for the launcher and cross-part tests. */
export { type RunningCollector, type StartOptions, startCollector } from './app.js';
export { type Config, ConfigError, loadConfig } from './config.js';
/** The rollup definitions, so the benchmark's data generator fills them exactly as the views do. */
export { ROLLUPS, rollupSelect } from './clickhouse/migrations.js';
