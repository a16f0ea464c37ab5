-- Runs once when the PostgreSQL volume is empty (docker-entrypoint-initdb.d). The api's database
-- (POSTGRES_DB) already exists; the gateway keeps customers, plans and key hashes in its own.
-- On a volume initialised before a database was added here, create it by hand (same statement).
CREATE DATABASE gatehouse_gateway OWNER gatehouse;
-- The collector's alert rules, history and evaluator lease.
CREATE DATABASE gatehouse_collector OWNER gatehouse;
