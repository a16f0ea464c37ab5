-- One row per (customer, Idempotency-Key). A row is claimed as 'running' before the request
-- executes (so a concurrent duplicate sees it and gets 409), then completed with the stored
-- response in the same transaction as the resource it created. Rows older than 24 h are
-- purged and no longer count.
CREATE TABLE idempotency_keys (
  customer_id text NOT NULL,
  idempotency_key text NOT NULL,
  request_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('running', 'completed')),
  response_status int,
  response_headers jsonb,
  response_body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  locked_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (customer_id, idempotency_key)
);

CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
