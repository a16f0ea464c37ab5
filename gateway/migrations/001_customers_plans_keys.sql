-- Customers, plans and API keys for the gateway's control plane.
-- Every row carries updated_at (set by every write) so the in-memory key cache of each
-- gateway process can refresh incrementally; rows are never deleted (a revoked key keeps
-- its row with revoked_at) so a refresh never has to notice a disappearance.

CREATE TABLE plans (
  name                text PRIMARY KEY,
  requests_per_minute integer NOT NULL CHECK (requests_per_minute > 0),
  burst               integer NOT NULL CHECK (burst > 0),
  requests_per_second integer CHECK (requests_per_second > 0),
  daily_quota         integer CHECK (daily_quota > 0),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE customers (
  id          text PRIMARY KEY,
  -- seq orders lists and makes cursors (ids are random).
  seq         integer GENERATED ALWAYS AS IDENTITY UNIQUE,
  name        text NOT NULL,
  plan        text NOT NULL REFERENCES plans (name),
  disabled_at timestamptz,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
  key_id       text PRIMARY KEY,
  seq          integer GENERATED ALWAYS AS IDENTITY UNIQUE,
  -- hex SHA-256 of the secret; the secret itself is never stored.
  hash         text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
  customer_id  text NOT NULL REFERENCES customers (id),
  name         text,
  scopes       text[] NOT NULL DEFAULT '{}',
  created_at   timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz,
  revoked_at   timestamptz,
  rotated_from text REFERENCES api_keys (key_id),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX api_keys_customer_idx ON api_keys (customer_id, seq);
CREATE INDEX api_keys_updated_idx ON api_keys (updated_at);
CREATE INDEX customers_updated_idx ON customers (updated_at);
CREATE INDEX plans_updated_idx ON plans (updated_at);

INSERT INTO plans (name, requests_per_minute, burst, requests_per_second, daily_quota) VALUES
  ('free', 60, 20, NULL, NULL),
  ('pro', 6000, 200, NULL, NULL);
