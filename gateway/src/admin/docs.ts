import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { ErrorEnvelopeDoc } from './schemas.js';

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The body is not valid JSON (`invalid_json`).',
  401: 'Missing or wrong operator token (`unauthorized`).',
  404: 'No such resource.',
  409: 'Conflicts with the current state.',
  413: 'The body is over 64 KiB (`payload_too_large`).',
  415: 'The body is not JSON (`unsupported_media_type`).',
  422: 'The request is not valid (`validation_failed`, with `field`).',
};

export function jsonContent(schema: z.ZodType) {
  return { content: { 'application/json': { schema } } };
}

/** Registers one admin path with the operator-token security and its error responses. */
export function documentPath(
  registry: OpenAPIRegistry,
  route: Omit<RouteConfig, 'responses'> & {
    ok: { status: number; description: string; schema?: z.ZodType };
    errors: number[];
  },
): void {
  const { ok, errors, ...rest } = route;
  const responses: RouteConfig['responses'] = {
    [ok.status]: ok.schema
      ? { description: ok.description, ...jsonContent(ok.schema) }
      : { description: ok.description },
  };
  // A route that reads a body (it can answer 415) can also answer 400 and 413 for it.
  const bodyErrors = errors.includes(415) ? [400, 413] : [];
  for (const status of [401, ...bodyErrors, ...errors]) {
    responses[status] = {
      description: ERROR_DESCRIPTIONS[status] ?? 'Error.',
      ...jsonContent(ErrorEnvelopeDoc),
    };
  }
  registry.registerPath({ ...rest, security: [{ operatorToken: [] }], responses });
}
