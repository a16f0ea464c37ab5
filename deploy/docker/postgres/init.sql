-- Runs once when the PostgreSQL volume is empty (docker-entrypoint-initdb.d). The api's database
-- (POSTGRES_DB) already exists; the gateway keeps customers, plans and key hashes in its own.
CREATE DATABASE gatehouse_gateway OWNER gatehouse;
