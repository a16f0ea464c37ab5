import type { AdminKey, NewPlan } from '../../api/admin/types.js';
import type { AppError } from '../../api/errors.js';

export type KeyState = 'active' | 'expiring' | 'expired' | 'revoked';

/** What a key's row says: revoked wins, then expiry (a rotated key expires after its grace). */
export function keyState(key: AdminKey, nowMs: number): KeyState {
  if (key.revoked_at || key.status === 'revoked') return 'revoked';
  if (key.expires_at) {
    const t = Date.parse(key.expires_at);
    if (!Number.isNaN(t)) return t <= nowMs ? 'expired' : 'expiring';
  }
  if (key.status === 'expired') return 'expired';
  return 'active';
}

/** Active keys first, then by creation time, newest first. */
export function orderKeys(keys: readonly AdminKey[], nowMs: number): AdminKey[] {
  const rank: Record<KeyState, number> = { active: 0, expiring: 1, expired: 2, revoked: 3 };
  return [...keys].sort(
    (a, b) =>
      rank[keyState(a, nowMs)] - rank[keyState(b, nowMs)] ||
      (Date.parse(b.created_at ?? '') || 0) - (Date.parse(a.created_at ?? '') || 0),
  );
}

/** The new-plan form as typed: limits stay text until submitted. */
export interface PlanForm {
  name: string;
  requests_per_minute: string;
  burst: string;
  requests_per_second: string;
  daily_quota: string;
}

export type PlanField = keyof PlanForm;
export type PlanProblems = Partial<Record<PlanField, string>>;

export const EMPTY_PLAN_FORM: PlanForm = {
  name: '',
  requests_per_minute: '',
  burst: '',
  requests_per_second: '',
  daily_quota: '',
};

const PLAN_FIELDS = Object.keys(EMPTY_PLAN_FORM) as PlanField[];

/**
 * Form → `POST /v1/plans` body. Only what the browser can tell for sure is checked here
 * (missing or not a whole number); names and ranges are the admin API's to judge, and its
 * answer is shown field by field (see `planProblemsFrom`).
 */
export function buildPlanInput(f: PlanForm): { input: NewPlan } | { problems: PlanProblems } {
  const problems: PlanProblems = {};
  const name = f.name.trim();
  if (!name) problems.name = 'Give the plan a name.';
  const whole = (k: PlanField, required: boolean): number | undefined => {
    const text = f[k].trim();
    if (text === '') {
      if (required) problems[k] = 'Required.';
      return undefined;
    }
    const n = Number(text);
    if (!Number.isInteger(n)) {
      problems[k] = 'Use a whole number.';
      return undefined;
    }
    return n;
  };
  const rpm = whole('requests_per_minute', true);
  const burst = whole('burst', true);
  const rps = whole('requests_per_second', false);
  const quota = whole('daily_quota', false);
  if (Object.keys(problems).length > 0 || rpm === undefined || burst === undefined)
    return { problems };
  return {
    input: {
      name,
      requests_per_minute: rpm,
      burst,
      ...(rps === undefined ? {} : { requests_per_second: rps }),
      ...(quota === undefined ? {} : { daily_quota: quota }),
    },
  };
}

/**
 * An admin API refusal → messages under the fields it names (422 `details`, or the envelope's
 * `field`, as 409 `plan_exists` gives), and whatever names no form field as one form message.
 */
export function planProblemsFrom(err: AppError): { fields: PlanProblems; form: string | null } {
  const fields: PlanProblems = {};
  const isField = (f: string | undefined): f is PlanField =>
    f !== undefined && (PLAN_FIELDS as string[]).includes(f);
  for (const p of err.problems) {
    if (isField(p.field) && fields[p.field] === undefined) fields[p.field] = p.message;
  }
  if (err.problems.length === 0 && isField(err.field)) fields[err.field] = err.message;
  const named = Object.keys(fields).length > 0;
  const unplaced = err.problems.filter((p) => !isField(p.field));
  const form =
    unplaced.length > 0
      ? unplaced.map((p) => `${p.field}: ${p.message}`).join(' ')
      : named
        ? null
        : err.message;
  return { fields, form };
}
