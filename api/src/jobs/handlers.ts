import { reportJobHandlers } from '../reports/jobs.js';
import { signupJobHandlers } from '../signups/jobs.js';
import type { CallbackPolicy } from './callback-policy.js';
import type { JobHandler } from './worker.js';

/** Every job kind the api runs: pass to startWorker as `handlers`. */
export function apiJobHandlers(policy: CallbackPolicy): Record<string, JobHandler> {
  return { ...reportJobHandlers(policy), ...signupJobHandlers() };
}
