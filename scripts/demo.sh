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

# The hub loads the demo's own schema module (the one its worker imports), so both sides agree on
# collections and merge policies. The demo's pages come from Vite on another port, hence --cors.
export ACCORD_SCHEMA="${ACCORD_SCHEMA:-apps/demo/src/schema.ts}"
export ACCORD_DB="${ACCORD_DB:-./data/demo-hub.db}"
HUB_PORT="${PORT:-8787}"
DEMO_PORT="${DEMO_PORT:-5173}"
export DEMO_PORT
# The app finds the hub on its own host at port 8787; tell it about any other port.
if [ "$HUB_PORT" != "8787" ] && [ -z "${VITE_ACCORD_HUB:-}" ]; then export VITE_ACCORD_HUB="http://localhost:$HUB_PORT"; fi

# Hub in the background, demo dev server in the foreground; stop the hub when the demo ends.
ACCORD_SKIP_BOOTSTRAP=1 bash scripts/hub.sh --cors '*' "$@" &
hub_pid=$!
trap 'kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM

# Wait until the hub answers /healthz (or has died), rather than for a fixed time.
if ! node -e '
  const [url, pid] = process.argv.slice(1)
  const deadline = Date.now() + 60_000
  const alive = () => { try { process.kill(Number(pid), 0); return true } catch { return false } }
  const tick = () => fetch(url).then((r) => r.ok, () => false).then((ok) => {
    if (ok) process.exit(0)
    if (!alive() || Date.now() > deadline) process.exit(1)
    setTimeout(tick, 200)
  })
  tick()' "http://127.0.0.1:$HUB_PORT/healthz" "$hub_pid"; then
  echo "demo: the hub did not start (see its output above)"; exit 1
fi
echo
echo "demo: devices side by side:  http://localhost:$DEMO_PORT/lab.html"
echo "demo: the app alone:         http://localhost:$DEMO_PORT/   (open it in two browsers, or add ?device=X)"
echo "demo: hub:                   ${VITE_ACCORD_HUB:-http://localhost:$HUB_PORT}  (store: $ACCORD_DB)"
echo
pnpm --filter ./apps/demo dev
