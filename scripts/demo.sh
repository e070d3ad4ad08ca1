#!/usr/bin/env bash
# The main job: the hub on an embedded SQLite file plus the demo app (apps/demo) side by side.
# While apps/demo does not exist, it runs the hub alone. Ctrl-C stops everything.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

rc=0; source "$ROOT/scripts/bootstrap.sh" || rc=$?
cd "$ROOT"
[ $rc -eq 0 ] || { echo "demo: bootstrap failed (exit $rc)"; exit 1; }

if [ ! -f apps/demo/package.json ]; then
  echo "demo: apps/demo is not written yet; starting the hub alone"
  ACCORD_SKIP_BOOTSTRAP=1 exec bash scripts/hub.sh "$@"
fi

# Hub in the background, demo dev server in the foreground; stop the hub when the demo ends.
ACCORD_SKIP_BOOTSTRAP=1 bash scripts/hub.sh "$@" &
hub_pid=$!
trap 'kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

sleep 1
if ! kill -0 "$hub_pid" 2>/dev/null; then
  echo "demo: the hub exited at startup"; exit 1
fi
echo "demo: starting the demo app (apps/demo); open the URL Vite prints below"
pnpm --filter ./apps/demo dev
