#!/usr/bin/env bash
# Starts an Accord hub on an embedded SQLite file: `pnpm hub` / `bash scripts/hub.sh [extra CLI flags]`.
#   PORT (default 8787), HOST, ACCORD_DB (default ./data/accord-hub.db),
#   ACCORD_SCHEMA (default: examples/schema.js when it exists, else docs/examples/schema.js).
# Extra arguments go to the hub CLI (flags: --port --host --db --schema --log).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ "${ACCORD_SKIP_BOOTSTRAP:-}" != "1" ]; then
  rc=0; source "$ROOT/scripts/bootstrap.sh" || rc=$?
  cd "$ROOT"
  [ $rc -eq 0 ] || { echo "hub: bootstrap failed (exit $rc)"; exit 1; }
fi

CLI=packages/hub/dist/cli.js
if [ ! -f "$CLI" ]; then
  echo "hub: $CLI is not built: the hub CLI (packages/hub/src/cli.ts) is not written yet or the build failed"
  exit 1
fi

PORT="${PORT:-8787}"
DB="${ACCORD_DB:-./data/accord-hub.db}"
SCHEMA="${ACCORD_SCHEMA:-}"
if [ -z "$SCHEMA" ]; then
  if [ -f examples/schema.js ]; then SCHEMA=examples/schema.js; else SCHEMA=docs/examples/schema.js; fi
fi

mkdir -p "$(dirname "$DB")"
args=(--db "$DB" --port "$PORT")
if [ -n "${HOST:-}" ]; then args+=(--host "$HOST"); fi
args+=(--schema "$SCHEMA")

echo "hub: http://${HOST:-localhost}:$PORT  (store: $DB, schema: $SCHEMA)  Ctrl-C stops it"
exec node "$CLI" "${args[@]}" "$@"
