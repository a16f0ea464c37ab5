import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout; each request logs through a child carrying `request_id`. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'api' } });
}
