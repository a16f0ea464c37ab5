import { ApiError } from '@gatehouse/shared';
import type { Database } from '../db/database.js';
import { newId } from '../db/ids.js';
import { ApiErrors } from '../errors.js';
import { enqueue } from '../jobs/queue.js';

export interface Signup {
  id: string;
  email: string;
  name: string;
  created_at: string;
}

export interface CreateSignupInput {
  email: string;
  name: string;
}

export const WELCOME_EMAIL_JOB = 'signup.welcome_email';
export const WELCOME_EMAIL_MAX_ATTEMPTS = 5;

/**
 * Stores the signup and its welcome-email job in one transaction: either both exist or
 * neither, so no signup goes unwelcomed and no e-mail greets a signup that was rolled back.
 * An address already signed up (compared without case) → 409 `signup_exists`.
 */
export async function createSignup(db: Database, input: CreateSignupInput): Promise<Signup> {
  const id = newId('sgn');
  const email = input.email.trim();
  try {
    return await db.transaction(async (tx) => {
      const { rows } = await tx.query<{
        id: string;
        email: string;
        name: string;
        created_at: Date;
      }>(
        `INSERT INTO signups (id, email, name) VALUES ($1, $2, $3)
         RETURNING id, email, name, created_at`,
        [id, email, input.name],
      );
      await enqueue(tx, {
        kind: WELCOME_EMAIL_JOB,
        payload: { signup_id: id },
        maxAttempts: WELCOME_EMAIL_MAX_ATTEMPTS,
      });
      const r = rows[0]!;
      return { id: r.id, email: r.email, name: r.name, created_at: r.created_at.toISOString() };
    });
  } catch (err) {
    if (isUniqueViolation(err, 'signups_email_key')) {
      throw new ApiError(ApiErrors.signup_exists, { field: 'email', cause: err });
    }
    throw err;
  }
}

function isUniqueViolation(err: unknown, constraint: string): boolean {
  const e = err as { code?: string; constraint?: string; message?: string };
  return e?.code === '23505' && (e.constraint === constraint || !!e.message?.includes(constraint));
}
