// Serves a built app and checks it in headless Chromium: tab one writes, tab two (same context,
// same SharedWorker) reads it back. Usage: node check-built-app.mjs <dist dir>  (ACCORD_ROOT set).
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import { extname, join, normalize } from 'node:path'
import { pathToFileURL } from 'node:url'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium.mjs'

const dist = process.argv[2]
const require = createRequire(join(process.env.ACCORD_ROOT, 'package.json'))
const playwright = await import(pathToFileURL(require.resolve('@playwright/test')).href)
const chromium = playwright.chromium ?? playwright.default.chromium

const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' }
const server = createServer((req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '')
  try {
    const file = join(dist, path === '/' ? 'index.html' : path)
    const body = readFileSync(file)
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(body)
  } catch {
    res.writeHead(404).end()
  }
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const origin = `http://127.0.0.1:${server.address().port}`

const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS] })
let failed = false
try {
  const context = await browser.newContext()
  const readTitle = async (page) => {
    await page.waitForFunction(() => document.title.startsWith('ok ') || document.title.startsWith('error '), undefined, { timeout: 30_000 })
    return page.title()
  }
  const one = await context.newPage()
  const errors = []
  one.on('pageerror', (e) => errors.push(String(e)))
  await one.goto(`${origin}/?write=c1`)
  const first = await readTitle(one)
  const two = await context.newPage()
  await two.goto(`${origin}/`)
  const second = await readTitle(two)
  const expected = { ids: ['c1'], votes: 2, code: 'not_found' }
  for (const [label, title] of [['writer tab', first], ['second tab', second]]) {
    const ok = title.startsWith('ok ') && Object.entries(expected).every(([k, v]) => JSON.stringify(JSON.parse(title.slice(3))[k]) === JSON.stringify(v))
    console.log(`pack-check: ${label}: ${title}${ok ? '' : '  <-- expected ' + JSON.stringify(expected)}`)
    if (!ok) failed = true
  }
  if (errors.length) console.log(`pack-check: page errors: ${errors.join('; ')}`)
} finally {
  await browser.close()
  server.close()
}
process.exit(failed ? 1 : 0)
