import type { HttpClient } from '../http.js';
import type { AdminPlan, NewPlan } from './types.js';

/** Plans are immutable at the gateway: a taken name answers 409 `plan_exists`. */
export function createPlan(client: HttpClient, input: NewPlan): Promise<AdminPlan> {
  return client.request<AdminPlan>('POST', '/v1/plans', { body: input });
}
