// Scratch: interleaved A/B of decideBatch between two core builds (min CPU per change over reps).
import type { Change } from '@accord/core'
import { makeItem, schema as benchSchema } from '../schema.js'
type Core = typeof import('@accord/core')
const builds: [string, Core][] = []
for (const spec of (process.env.BUILDS ?? '').split(',')) builds.push([spec, (await import(spec)) as Core])
const perBatch = 100
const batches = 50
function input(core: Core) {
  const writerClock = new core.HlcClock({ node: 'r-bench', now: Date.now })
  const all: Change[][] = []
  let n = 1
  for (let b = 0; b < batches; b++) {
    const changes: Change[] = []
    for (let i = 0; i < perBatch; i++) {
      const item = makeItem(b * perBatch + i)
      changes.push({ writer: 'w-bench', n, replica: 'r-bench', tx: n, txEnd: true, col: 'items', key: item.id, hlc: writerClock.now(), op: 'put', ord: n, set: item, base: 0 })
      n++
    }
    all.push(changes)
  }
  return all
}
const best = new Map<string, number>()
for (let rep = 0; rep < Number(process.env.REPS ?? 15); rep++) {
  for (const [name, core] of builds) {
    const schema = core.defineSchema({ version: 1, collections: { items: { indexes: ['listId'] } } })
    void benchSchema
    const clock = new core.HlcClock({ node: 'hub', now: Date.now, maxDriftMs: 60_000 })
    const pushes = input(core)
    let head = 0
    let watermark = 0
    const c0 = process.cpuUsage()
    for (const changes of pushes) {
      const r = core.decideBatch({ schema, view: { head, record: () => undefined, writer: () => (watermark ? { writer: 'w-bench', replica: 'r-bench', watermark } : undefined), conflict: () => undefined }, changes, connection: { replica: 'r-bench', writers: new Set(['w-bench']) }, clock, limits: { recordBytes: 256_000 } })
      if (!r.ok) throw new Error(r.error.message)
      head += r.decision.commits.length
      watermark += perBatch
    }
    const c = process.cpuUsage(c0)
    const us = (c.user + c.system) / (batches * perBatch)
    best.set(name, Math.min(best.get(name) ?? Infinity, us))
  }
}
for (const [name, us] of best) console.log(`${us.toFixed(2)} µs/change  ${name}`)
