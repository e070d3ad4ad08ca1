#!/usr/bin/env bash
# Makes a Chromium available for the Playwright tests (e2e/).
# Order: $PLAYWRIGHT_CHROMIUM_PATH if set; else `chromium` on PATH; else Debian's package via
# apt-get (only as root). Prints the browser path on success; exits 1 with instructions otherwise.
set -uo pipefail

say() { printf 'chromium: %s\n' "$*" >&2; }

if [ -n "${PLAYWRIGHT_CHROMIUM_PATH:-}" ]; then
  if [ -x "$PLAYWRIGHT_CHROMIUM_PATH" ]; then echo "$PLAYWRIGHT_CHROMIUM_PATH"; exit 0; fi
  say "PLAYWRIGHT_CHROMIUM_PATH=$PLAYWRIGHT_CHROMIUM_PATH is not an executable file"; exit 1
fi

if command -v chromium >/dev/null 2>&1; then command -v chromium; exit 0; fi

if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  say "installing Debian's chromium package (about 20 s)"
  if apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; then
    command -v chromium && exit 0
  fi
  say "apt-get install chromium failed"
fi

cat >&2 <<'MSG'
chromium: no Chromium found for the Playwright tests. Provide one of:
  - Debian/Ubuntu (as root):   apt-get install chromium
  - any browser binary:        export PLAYWRIGHT_CHROMIUM_PATH=/path/to/chromium
  - a laptop with internet:    pnpm exec playwright install chromium
                               (then point PLAYWRIGHT_CHROMIUM_PATH at the chrome binary it downloaded,
                               under ~/.cache/ms-playwright/chromium-*/)
  macOS with Chrome installed: export PLAYWRIGHT_CHROMIUM_PATH="/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"
MSG
exit 1
