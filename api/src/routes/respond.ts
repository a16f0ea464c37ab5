import type { Response } from 'express';
import type { StoredResponse } from '../orders/idempotency.js';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** A JSON response as data, so it can be stored for Idempotency-Key replays. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): StoredResponse {
  return {
    status,
    headers: { 'Content-Type': JSON_CONTENT_TYPE, ...headers },
    body: JSON.stringify(body),
  };
}

/** Sends a stored or fresh response exactly (same status, headers, bytes). */
export function sendStored(res: Response, response: StoredResponse, replayed: boolean): void {
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  if (replayed) res.setHeader('Idempotent-Replayed', 'true');
  res.status(response.status).send(Buffer.from(response.body, 'utf8'));
}
