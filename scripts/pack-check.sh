#!/usr/bin/env bash
# The packaging check (issue 4 §6), as a user meets the packages: build, `pnpm pack` @accord/core and
# @accord/client, install the tarballs with plain npm into a fresh Vite app OUTSIDE the workspace,
# type-check it against the published types, `vite build` it, then open the built app in headless
# Chromium (playwright from the workspace) and check that a replica opens in a SharedWorker, a write
# reads back, and a second tab sees it.
# Exits non-zero on any failure. Knobs: PACK_CHECK_KEEP=1 keeps the temp dir;
# PLAYWRIGHT_CHROMIUM_PATH picks the browser (else scripts/ensure-chromium.sh finds one).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TEMPLATE="$ROOT/scripts/pack-check"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/accord-pack-check-XXXXXX")"
say() { printf 'pack-check: %s\n' "$*"; }
cleanup() { if [ "${PACK_CHECK_KEEP:-}" = "1" ]; then say "kept $WORK"; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
[ -f /usr/include/node/node.h ] && export npm_config_nodedir=/usr

cd "$ROOT"
say "building the workspace"
pnpm exec tsc -b tsconfig.build.json packages/client/tsconfig.json

say "packing @accord/core and @accord/client into $WORK/packs"
mkdir -p "$WORK/packs"
for pkg in core client; do
  (cd "packages/$pkg" && pnpm pack --pack-destination "$WORK/packs" >/dev/null)
done
CORE_TGZ="$(ls "$WORK"/packs/accord-core-*.tgz)"
CLIENT_TGZ="$(ls "$WORK"/packs/accord-client-*.tgz)"
if tar -xOzf "$CLIENT_TGZ" package/package.json | grep -q 'workspace:'; then
  say "the packed @accord/client still names a workspace: dependency"; exit 1
fi

say "creating a fresh Vite app in $WORK/app"
cp -R "$TEMPLATE/app" "$WORK/app"
cd "$WORK/app"
node -e '
  const fs = require("node:fs")
  const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"))
  pkg.dependencies["@accord/core"] = "file:" + process.argv[1]
  pkg.dependencies["@accord/client"] = "file:" + process.argv[2]
  pkg.overrides = { "@accord/core": "$@accord/core" }
  fs.writeFileSync("package.json", JSON.stringify(pkg, null, 2))
' "$CORE_TGZ" "$CLIENT_TGZ"
say "npm install (tarballs + vite 8.3.8 + typescript 5.9.3)"
npm install --no-fund --no-audit --loglevel=error

say "type-checking the app against the published types"
npx --no-install tsc -p tsconfig.json
npx --no-install tsc -p tsconfig.worker.json

say "vite build"
npx --no-install vite build --logLevel warn

if [ -z "${PLAYWRIGHT_CHROMIUM_PATH:-}" ]; then
  PLAYWRIGHT_CHROMIUM_PATH="$(bash "$ROOT/scripts/ensure-chromium.sh")"
  export PLAYWRIGHT_CHROMIUM_PATH
fi
say "opening the built app in headless Chromium"
ACCORD_ROOT="$ROOT" node "$TEMPLATE/check-built-app.mjs" "$WORK/app/dist"
say "ok"
