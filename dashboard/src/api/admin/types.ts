/**
 * Shapes of the gateway admin API (port 8444) as the dashboard reads them. Fields the console
 * does not need are left out; optional ones are shown when present.
 */
export interface AdminPlan {
  name: string;
  requests_per_minute: number;
  burst: number;
  requests_per_second?: number | null;
  daily_quota?: number | null;
}

/** `POST /v1/plans`: limits are whole numbers ≥ 1; the optional ones are left out when unset. */
export interface NewPlan {
  name: string;
  requests_per_minute: number;
  burst: number;
  requests_per_second?: number;
  daily_quota?: number;
}

export interface AdminCustomer {
  id: string;
  name: string;
  plan: string;
  disabled?: boolean;
  status?: string;
  created_at?: string;
}

export interface AdminKey {
  key_id: string;
  customer_id?: string;
  name?: string | null;
  scopes?: string[];
  prefix?: string;
  created_at?: string;
  expires_at?: string | null;
  revoked_at?: string | null;
  last_used_at?: string | null;
  status?: string;
}

/** The only time a secret exists outside the gateway: the answer to create and rotate. */
export interface CreatedKey extends AdminKey {
  secret: string;
}
