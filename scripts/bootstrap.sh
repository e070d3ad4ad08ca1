#!/usr/bin/env bash
# Idempotent setup shared by every entry command (test.sh, hub.sh, demo.sh):
#   Node >= 20 check -> pnpm 12.4.2 -> pnpm install -> pnpm run build.
# Use it either way:
#   source scripts/bootstrap.sh   # keeps PATH / npm_config_nodedir for the caller
#   bash scripts/bootstrap.sh
# Exit status: 0 ok, 2 toolchain or install failed, 3 build failed (dependencies are installed).
# Knobs: ACCORD_SKIP_BUILD=1 skips the build.

ACCORD_PNPM_VERSION=12.4.2

accord_log() { printf 'bootstrap: %s\n' "$*"; }

accord_bootstrap() {
  local root
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  cd "$root" || return 2

  # Node 20+ is the only prerequisite.
  if ! command -v node >/dev/null 2>&1; then
    accord_log "Node.js 20 or newer is required (https://nodejs.org)"; return 2
  fi
  local node_major
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  if [ "$node_major" -lt 20 ]; then
    accord_log "Node.js 20 or newer is required (found $(node --version))"; return 2
  fi

  # Machines with Debian's Node headers: point node-gyp at them (otherwise it tries to download
  # them and better-sqlite3 fails to build). Elsewhere node-gyp finds headers or a prebuilt itself.
  if [ -f /usr/include/node/node.h ]; then
    export npm_config_nodedir=/usr
  fi

  # pnpm, exactly the version pinned in package.json (pnpm refuses to run otherwise).
  # corepack cannot verify signatures on these registries, so npm installs it.
  if [ -x "$root/.tools/bin/pnpm" ]; then export PATH="$root/.tools/bin:$PATH"; fi
  if [ "$(pnpm --version 2>/dev/null)" != "$ACCORD_PNPM_VERSION" ]; then
    accord_log "installing pnpm $ACCORD_PNPM_VERSION"
    if ! npm i -g --allow-scripts=pnpm "pnpm@$ACCORD_PNPM_VERSION" --no-fund --no-audit --loglevel=error >/dev/null; then
      # No write access to the global prefix (a laptop without sudo): install under .tools/.
      accord_log "global install failed; installing pnpm under .tools/"
      npm i -g --prefix "$root/.tools" --allow-scripts=pnpm "pnpm@$ACCORD_PNPM_VERSION" --no-fund --no-audit --loglevel=error >/dev/null \
        || { accord_log "could not install pnpm $ACCORD_PNPM_VERSION with npm"; return 2; }
      export PATH="$root/.tools/bin:$PATH"
    fi
    hash -r
    if [ "$(pnpm --version 2>/dev/null)" != "$ACCORD_PNPM_VERSION" ]; then
      # npm's global bin directory may not be on PATH.
      local npm_bin
      npm_bin="$(npm prefix -g 2>/dev/null)/bin"
      [ -x "$npm_bin/pnpm" ] && export PATH="$npm_bin:$PATH" && hash -r
    fi
    if [ "$(pnpm --version 2>/dev/null)" != "$ACCORD_PNPM_VERSION" ]; then
      accord_log "pnpm $ACCORD_PNPM_VERSION is installed but another pnpm comes first on PATH ($(command -v pnpm))"
      return 2
    fi
  fi

  # Dependencies. In CI the lockfile is authoritative (pnpm-lock.yaml is committed).
  local t0=$SECONDS log
  log="$(mktemp)"
  [ -d node_modules/.pnpm ] || accord_log "first install (compiling better-sqlite3 can take a minute)"
  if [ "${CI:-}" = "true" ]; then
    accord_log "pnpm install --frozen-lockfile"
    pnpm install --frozen-lockfile --reporter=append-only >"$log" 2>&1
  else
    accord_log "pnpm install"
    pnpm install --reporter=append-only >"$log" 2>&1
  fi
  local rc=$?
  if [ $rc -ne 0 ]; then
    cat "$log"; rm -f "$log"
    accord_log "pnpm install failed (exit $rc)"; return 2
  fi
  rm -f "$log"
  accord_log "dependencies ready ($((SECONDS - t0)) s)"

  if [ "${ACCORD_SKIP_BUILD:-}" = "1" ]; then return 0; fi
  t0=$SECONDS
  accord_log "pnpm run build"
  if ! pnpm run --silent build; then
    accord_log "build failed"; return 3
  fi
  accord_log "built ($((SECONDS - t0)) s)"
  return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  accord_bootstrap
  exit $?
else
  # sourced: runs in the caller's shell so PATH and npm_config_nodedir carry over
  __accord_pwd="$PWD"
  accord_bootstrap
  __accord_rc=$?
  cd "$__accord_pwd" || true
  unset __accord_pwd
  return $__accord_rc
fi
