import type { Queryable } from './db.js';
import type { PlanRecord } from './records.js';

const PLAN_COLUMNS =
  'name, requests_per_minute, burst, requests_per_second, daily_quota, created_at, updated_at';

export interface NewPlan {
  name: string;
  requests_per_minute: number;
  burst: number;
  requests_per_second?: number | null | undefined;
  daily_quota?: number | null | undefined;
}

export async function listPlans(q: Queryable): Promise<PlanRecord[]> {
  return (await q.query<PlanRecord>(`SELECT ${PLAN_COLUMNS} FROM plans ORDER BY created_at, name`))
    .rows;
}

export async function getPlan(q: Queryable, name: string): Promise<PlanRecord | undefined> {
  return (await q.query<PlanRecord>(`SELECT ${PLAN_COLUMNS} FROM plans WHERE name = $1`, [name]))
    .rows[0];
}

/** `undefined` when a plan of that name already exists. */
export async function createPlan(q: Queryable, plan: NewPlan): Promise<PlanRecord | undefined> {
  const { rows } = await q.query<PlanRecord>(
    `INSERT INTO plans (name, requests_per_minute, burst, requests_per_second, daily_quota)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (name) DO NOTHING
     RETURNING ${PLAN_COLUMNS}`,
    [
      plan.name,
      plan.requests_per_minute,
      plan.burst,
      plan.requests_per_second ?? null,
      plan.daily_quota ?? null,
    ],
  );
  return rows[0];
}
