/**
 * CPU per change of `decideBatch` for fresh puts (the P5 shape), for one or several builds of
 * @accord/core, interleaved in one process, best of REPS rounds: an A/B of a decider change that
 * the machine's load moves less than wall-clock figures.
 *   BUILDS=/tmp/core-before/index.js,@accord/core REPS=15 node --import tsx bench/src/tools/decide-ab.ts
 * (copy packages/core/dist aside before the change to get the "before" build).
 */
import type { Change } from '@accord/core'
import { makeItem } from '../schema.js'

type Core = typeof import('@accord/core')

const builds: [string, Core][] = []
for (const spec of (process.env.BUILDS ?? '@accord/core').split(',')) builds.push([spec, (await import(spec)) as Core])
const perBatch = 100
const batches = 50
const reps = Number(process.env.REPS ?? 15)

/** 50 pushes of 100 new records by one writer, each change its own transaction. */
function pushes(core: Core): Change[][] {
  const clock = new core.HlcClock({ node: 'r-bench', now: Date.now })
  const all: Change[][] = []
  let n = 1
  for (let b = 0; b < batches; b++) {
    const changes: Change[] = []
    for (let i = 0; i < perBatch; i++) {
      const item = makeItem(b * perBatch + i)
      changes.push({ writer: 'w-bench', n, replica: 'r-bench', tx: n, txEnd: true, col: 'items', key: item.id, hlc: clock.now(), op: 'put', ord: n, set: item, base: 0 })
      n++
    }
    all.push(changes)
  }
  return all
}

const best = new Map<string, number>()
for (let rep = 0; rep < reps; rep++) {
  for (const [name, core] of builds) {
    // Each build decides with its own schema and clock: values of one build never meet the other.
    const schema = core.defineSchema({ version: 1, collections: { items: { indexes: ['listId'] } } })
    const clock = new core.HlcClock({ node: 'hub', now: Date.now, maxDriftMs: 60_000 })
    const input = pushes(core)
    let head = 0
    let watermark = 0
    const started = process.cpuUsage()
    for (const changes of input) {
      const writer = watermark ? { writer: 'w-bench', replica: 'r-bench', watermark } : undefined
      const view = { head, record: () => undefined, writer: () => writer, conflict: () => undefined }
      const result = core.decideBatch({ schema, view, changes, connection: { replica: 'r-bench', writers: new Set(['w-bench']) }, clock, limits: { recordBytes: 256_000 } })
      if (!result.ok) throw new Error(result.error.message)
      head += result.decision.commits.length
      watermark += perBatch
    }
    const used = process.cpuUsage(started)
    best.set(name, Math.min(best.get(name) ?? Infinity, (used.user + used.system) / (batches * perBatch)))
  }
}
for (const [name, us] of best) console.log(`${us.toFixed(2)} µs/change  ${name}`)
