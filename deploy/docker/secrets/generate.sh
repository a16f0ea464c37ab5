#!/bin/sh
# Creates what deploy/compose.yml needs and the repository must never hold: a TLS certificate
# (self-signed, 90 days), the gateway's Ed25519 identity key, and deploy/.env with random tokens
# and passwords. Existing files are kept, so re-running never rotates anything by accident;
# delete a file to regenerate it (see docs/operations.md for rotation).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
envfile="$here/../../.env"
cd "$here"
umask 077

if [ ! -f tls.key ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 90 \
    -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout tls.key -out tls.crt 2>/dev/null
  echo "wrote $here/tls.crt and tls.key (self-signed; replace with your certificate)"
fi
if [ ! -f identity-key.pem ]; then
  openssl genpkey -algorithm ed25519 -out identity-key.pem
  echo "wrote $here/identity-key.pem (gateway identity signing key)"
fi
# The containers run as uid/gid 1000 (`node`); compose bind-mounts secret files with their
# host permissions, so give that group read access and nobody else.
chgrp 1000 tls.key tls.crt identity-key.pem 2>/dev/null && chmod 0640 tls.key tls.crt identity-key.pem \
  || { chmod 0644 tls.key tls.crt identity-key.pem; echo "note: could not chgrp 1000; secrets made world-readable for the containers"; }

if [ ! -f "$envfile" ]; then
  token() { openssl rand -hex 32; }
  {
    echo "GATEHOUSE_ADMIN_TOKEN=$(token)"
    echo "COLLECTOR_INGEST_TOKEN=$(token)"
    echo "CALLBACK_SIGNING_SECRET=$(token)"
    echo "POSTGRES_PASSWORD=$(token)"
    echo "CLICKHOUSE_PASSWORD=$(token)"
    echo "ALERT_WEBHOOK_SECRET=$(token)"
  } > "$envfile"
  echo "wrote $envfile (operator token: GATEHOUSE_ADMIN_TOKEN)"
fi
# Added after the first release of this file: appended to an existing .env, nothing else changes.
if ! grep -q '^GATEWAY_TLS_TICKET_SECRET=' "$envfile"; then
  echo "GATEWAY_TLS_TICKET_SECRET=$(openssl rand -hex 32)" >> "$envfile"
  echo "added GATEWAY_TLS_TICKET_SECRET to $envfile"
fi
