// One place for how Accord's browser runs launch Chromium (e2e, bench, pack-check): Debian's
// chromium unless PLAYWRIGHT_CHROMIUM_PATH points elsewhere, with the flags the toolchain notes
// require on these machines (no sandbox as root, no GPU, no background traffic to closed networks).
export const CHROMIUM_PATH = process.env.PLAYWRIGHT_CHROMIUM_PATH ?? '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
