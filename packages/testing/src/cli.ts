#!/usr/bin/env node
// accord-sim: `--seed S` reproduces one run (printing its trace on failure); `--seeds N` runs N
// seeds from `--from` (default 1) and prints the rate. Exit code 1 on any failure.
import { simulate } from './simulate.js'

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1] : undefined
}

async function main(): Promise<number> {
  const single = flag('seed')
  if (single !== undefined) {
    const result = await simulate({ seed: Number(single) })
    if (process.argv.includes('--trace') || !result.ok) process.stdout.write(result.trace.join('\n') + '\n')
    process.stdout.write(`seed ${result.seed}: ${result.ok ? 'ok' : 'FAILED'} ${JSON.stringify(result.stats)}\n`)
    for (const f of result.failures) process.stdout.write(`  ✗ ${f}\n`)
    return result.ok ? 0 : 1
  }
  const count = Number(flag('seeds') ?? 100)
  const from = Number(flag('from') ?? 1)
  const started = Date.now()
  const knobs = new Map<string, number>()
  let failed = 0
  for (let seed = from; seed < from + count; seed++) {
    const result = await simulate({ seed })
    for (const k of result.stats.knobs) knobs.set(k, (knobs.get(k) ?? 0) + 1)
    if (!result.ok) {
      failed += 1
      process.stdout.write(`seed ${seed} FAILED (reproduce: pnpm sim --seed ${seed})\n`)
      for (const f of result.failures.slice(0, 5)) process.stdout.write(`  ✗ ${f}\n`)
      if (failed >= 5) break
    }
  }
  const seconds = (Date.now() - started) / 1000
  const knobText = [...knobs].map(([k, n]) => `${k}=${n}`).join(' ')
  process.stdout.write(`sim: ${count} seeds from ${from}, ${failed} failed, ${seconds.toFixed(1)} s, ${(count / seconds).toFixed(1)} seeds/s\n`)
  process.stdout.write(`sim: knobs exercised: ${knobText}\n`)
  return failed ? 1 : 0
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(2)
  },
)
