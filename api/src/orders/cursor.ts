import { ApiError } from '@gatehouse/shared';
import { ApiErrors } from '../errors.js';
import { isStorableText } from './schemas.js';

export interface Position {
  createdAt: Date;
  id: string;
}

/** The cursor is opaque to clients: base64url of the last row's (created_at, id). */
export function encodeCursor(pos: Position): string {
  return Buffer.from(JSON.stringify([pos.createdAt.toISOString(), pos.id]), 'utf8').toString(
    'base64url',
  );
}

export function decodeCursor(cursor: string): Position {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2) {
      const [t, id] = value as unknown[];
      if (
        typeof t === 'string' &&
        typeof id === 'string' &&
        id.length <= 128 &&
        isStorableText(id)
      ) {
        const createdAt = new Date(t);
        if (!Number.isNaN(createdAt.getTime())) return { createdAt, id };
      }
    }
  } catch {
    // fall through: any undecodable cursor is the same client error
  }
  throw new ApiError(ApiErrors.validation_failed, {
    field: 'cursor',
    message: 'cursor: not a cursor returned by this api.',
    details: [
      { field: 'cursor', code: 'invalid_cursor', message: 'Not a cursor returned by this api.' },
    ],
  });
}
