-- Orders belong to one customer. Timestamps are written by the api with millisecond
-- precision, so that the (created_at, id) pagination cursor round-trips exactly through
-- JavaScript dates; ids compare bytewise (COLLATE "C") so the order is the same on every
-- server. `version` backs the ETag and If-Match checks.
CREATE TABLE orders (
  id text COLLATE "C" PRIMARY KEY,
  customer_id text NOT NULL,
  items jsonb NOT NULL,
  currency char(3) NOT NULL,
  notes text,
  status text NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
  total_cents bigint NOT NULL CHECK (total_cents >= 0),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  version int NOT NULL DEFAULT 1
);

CREATE INDEX orders_customer_created_idx ON orders (customer_id, created_at, id);
