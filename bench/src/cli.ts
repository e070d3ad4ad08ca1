/**
 * `pnpm bench [--quick] [--only P5,P6] [--profile] [--out file]`: runs the figures one after the
 * other, each beside its raw baseline, prints the table and writes bench/results/latest.json.
 * Exit status: 0 when every figure ran (slow numbers never fail it), 1 when one crashed.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FigureModule, FigureOutcome, RunContext } from './lib/figure.js'
import { currentLoad, describeMachine } from './lib/machine.js'
import { formatTable, summarize, writeReport, type RunReport } from './lib/report.js'
import { closeBenchSite } from './browser/harness.js'
import { FIGURES } from './figures/index.js'

interface Args {
  quick: boolean
  only: Set<string> | undefined
  profile: boolean
  out: string
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false, only: undefined, profile: false, out: fileURLToPath(new URL('../results/latest.json', import.meta.url)) }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--quick') args.quick = true
    else if (arg === '--profile') args.profile = true
    else if (arg === '--only') args.only = new Set((argv[++i] ?? '').toUpperCase().split(',').filter(Boolean))
    else if (arg === '--out') args.out = resolve(process.env.INIT_CWD ?? process.cwd(), argv[++i] ?? args.out)
    else if (arg === '--') continue
    else throw new Error(`unknown argument ${arg} (expected --quick, --only P1,P5, --profile, --out file)`)
  }
  return args
}

/** Debian's Chromium, or the one PLAYWRIGHT_CHROMIUM_PATH names. */
function findChromium(): string | undefined {
  const candidates = [process.env.PLAYWRIGHT_CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p)
  return candidates.find((p) => existsSync(p))
}

/**
 * Every figure gets a budget. One that overruns is reported as failed and the run stops there (its
 * work cannot be cancelled, and it would skew every later figure); the figures not run are listed.
 */
function budgetMs(quick: boolean): number {
  return quick ? 300_000 : 1_800_000
}

class Overrun extends Error {}

let stopAfterThis = false

async function runModule(module: FigureModule, ctx: RunContext): Promise<FigureOutcome[]> {
  if (module.needsBrowser && !ctx.chromiumPath) {
    return module.ids.map((id) => ({ id, title: module.title, skipped: 'no Chromium (set PLAYWRIGHT_CHROMIUM_PATH)' }))
  }
  let timer: NodeJS.Timeout | undefined
  const overrun = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Overrun(`overran its ${budgetMs(ctx.quick) / 1000} s budget`)), budgetMs(ctx.quick))
  })
  try {
    return await Promise.race([module.run(ctx), overrun])
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
    ctx.log(`${module.ids.join('/')} failed: ${message}`)
    if (error instanceof Overrun) stopAfterThis = true
    return module.ids.map((id) => ({ id, title: module.title, error: message }))
  } finally {
    clearTimeout(timer)
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2))
  const started = Date.now()
  const tmp = mkdtempSync(join(tmpdir(), 'accord-bench-'))
  const profileDir = args.profile ? join(fileURLToPath(new URL('../results/profiles/', import.meta.url))) : undefined
  if (profileDir) mkdirSync(profileDir, { recursive: true })
  const chromiumPath = findChromium()
  const machine = describeMachine(chromiumPath)
  const ctx: RunContext = { quick: args.quick, tmp, log: (line) => console.error(`bench: ${line}`), chromiumPath, profileDir, only: args.only }
  const outcomes: FigureOutcome[] = []
  try {
    for (const module of FIGURES) {
      if (args.only && !module.ids.some((id) => args.only?.has(id))) continue
      if (stopAfterThis) {
        outcomes.push(...module.ids.map((id) => ({ id, title: module.title, skipped: 'not run: an earlier figure overran its budget' })))
        continue
      }
      ctx.log(`${module.ids.join('/')} ${module.title}…`)
      const t0 = Date.now()
      const results = await runModule(module, ctx)
      outcomes.push(...results.filter((r) => !args.only || args.only.has(r.id)))
      ctx.log(`${module.ids.join('/')} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    }
  } finally {
    await closeBenchSite()
    rmSync(tmp, { recursive: true, force: true })
  }
  const report: RunReport = {
    format: 1,
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 100) / 10,
    mode: args.quick ? 'quick' : 'full',
    machine: { ...machine, loadAverage: { start: machine.loadAverage.start, end: currentLoad() } },
    figures: outcomes,
    summary: summarize(outcomes),
  }
  writeReport(args.out, report)
  console.log(formatTable(report))
  const s = report.summary
  console.log(
    `\n${s.figures} figures: ${s.met} met, ${s.missed} missed, ${s.unjudged} without target, ${s.skipped} skipped, ${s.failed} failed ` +
      `(${report.durationS} s, ${report.mode}; ${report.machine.cpu}, ${report.machine.cores} cores, ` +
      `load ${report.machine.loadAverage.start} → ${report.machine.loadAverage.end}). JSON: ${args.out}`,
  )
  return s.failed > 0 ? 1 : 0
}


// process.exit also ends what an overrun figure left running (its browsers close with this process,
// its child processes exit when their IPC channel closes).
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
