import { asItems, type HttpClient } from '../http.js';
import type { AdminPlan } from './types.js';

export async function listPlans(client: HttpClient, signal?: AbortSignal): Promise<AdminPlan[]> {
  const body = await client.request<unknown>('GET', '/v1/plans', { ...(signal ? { signal } : {}) });
  return asItems<AdminPlan>(body);
}
