#!/usr/bin/env bash
# `make run-prod`: the production stack on this machine with the demo park. PostgreSQL
# and Redis (started by .ci/services.sh if needed), gunicorn, two `flask worker`s and the
# scheduler under honcho. Secrets are generated once into instance/prod.env (not in git).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
DB_NAME=${GK_PROD_DB:-gatekeeper}
PG=${GK_PROD_PG:-postgresql://postgres@127.0.0.1:5432}
ENV_FILE=instance/prod.env

bash .ci/services.sh >/dev/null
mkdir -p instance
if [ ! -f "$ENV_FILE" ]; then
  umask 077
  cat > "$ENV_FILE" <<ENV
GATEKEEPER_ENV=production
GATEKEEPER_SECRET_KEY=$($BIN/python -c 'import secrets; print(secrets.token_hex(32))')
GATEKEEPER_AUDIT_KEY=$($BIN/python -c 'import secrets; print(secrets.token_hex(32))')
GATEKEEPER_DATABASE_URL=$PG/$DB_NAME
GATEKEEPER_REDIS_URL=redis://127.0.0.1:6379/1
FLASK_APP=wsgi.py
ENV
  echo "wrote $ENV_FILE (secrets for this machine; keep it out of version control)"
fi
set -a; . "$ENV_FILE"; set +a
$BIN/python - "$PG" "$DB_NAME" <<'PY'
import sys
import psycopg
admin, name = sys.argv[1] + "/postgres", sys.argv[2]
with psycopg.connect(admin, autocommit=True) as conn:
    if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
        conn.execute(f'CREATE DATABASE "{name}"')
        print(f"created database {name}")
PY
$BIN/flask db upgrade
$BIN/flask demo
echo "Gatekeeper (production mode) on http://${HOST:-127.0.0.1}:${GK_PORT:-8000}  (Ctrl-C stops all)"
exec $BIN/honcho start -f Procfile -e "$ENV_FILE"
