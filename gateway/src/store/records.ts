/** Rows as the store returns them (snake_case like the columns and the admin API). */
export interface PlanRecord {
  name: string;
  requests_per_minute: number;
  burst: number;
  requests_per_second: number | null;
  daily_quota: number | null;
  created_at: Date;
  updated_at: Date;
}

export interface CustomerRecord {
  id: string;
  name: string;
  plan: string;
  disabled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** An API key without its hash: nothing outside the key cache ever needs the hash. */
export interface ApiKeyRecord {
  key_id: string;
  customer_id: string;
  name: string | null;
  scopes: string[];
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  rotated_from: string | null;
  updated_at: Date;
}

export interface Page<T> {
  items: T[];
  /** `seq` of the last item when more follow; pass back as `afterSeq`. */
  nextSeq: number | null;
}

export interface PageOptions {
  limit: number;
  afterSeq?: number | undefined;
}
