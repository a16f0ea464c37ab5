import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Headers that carry secrets are redacted wherever they appear, and
 * request paths are logged only with query values redacted (see credentials-in-url).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'gateway', pid: process.pid },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-api-key"]',
          'req.headers["x-gatehouse-identity"]',
          'headers.authorization',
          'headers["x-api-key"]',
        ],
        censor: '[REDACTED]',
      },
    },
    destination,
  );
}
