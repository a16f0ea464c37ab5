/** Programmatic entry for the launcher and cross-part tests. */
export { type RunningCollector, type StartOptions, startCollector } from './app.js';
export { type Config, ConfigError, loadConfig } from './config.js';
