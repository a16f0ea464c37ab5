-- Durable jobs, the reports they compute, signups and the outbox their welcome e-mails go to.

-- A job is a row. Workers claim due rows with FOR UPDATE SKIP LOCKED and hold a lease
-- (locked_by, locked_until); a row still 'running' after its lease expired belongs to a
-- worker that died and is claimed again. attempts counts claims; a failed attempt goes back
-- to 'queued' with run_at pushed out (backoff) until max_attempts, then 'failed'.
CREATE TABLE jobs (
  id           text PRIMARY KEY,
  kind         text NOT NULL,
  payload      jsonb NOT NULL DEFAULT '{}'::jsonb,
  status       text NOT NULL DEFAULT 'queued'
               CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts integer NOT NULL DEFAULT 5 CHECK (max_attempts >= 1),
  run_at       timestamptz NOT NULL DEFAULT now(),
  locked_by    text,
  locked_until timestamptz,
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);
-- The two ways a row becomes claimable, each with its own partial index.
CREATE INDEX jobs_due_idx ON jobs (run_at, id) WHERE status = 'queued';
CREATE INDEX jobs_lease_idx ON jobs (locked_until) WHERE status = 'running';

-- A report a customer asked for; its computation is a job of kind 'report.generate'.
CREATE TABLE reports (
  id           text PRIMARY KEY,
  customer_id  text NOT NULL,
  from_date    date NOT NULL,
  to_date      date NOT NULL,
  callback_url text,
  status       text NOT NULL DEFAULT 'queued'
               CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  result       jsonb,
  error        text,
  job_id       text NOT NULL REFERENCES jobs (id),
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (from_date <= to_date)
);
CREATE INDEX reports_customer_idx ON reports (customer_id, created_at, id);

CREATE TABLE signups (
  id         text PRIMARY KEY,
  email      text NOT NULL,
  name       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
-- One signup per address, whatever its case.
CREATE UNIQUE INDEX signups_email_key ON signups (lower(email));

-- Mail that would go to an SMTP relay. job_id is unique so that a job run twice (its worker
-- died after writing) still delivers once.
CREATE TABLE outbox (
  id           text PRIMARY KEY,
  job_id       text UNIQUE REFERENCES jobs (id),
  to_address   text NOT NULL,
  subject      text NOT NULL,
  body         text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
