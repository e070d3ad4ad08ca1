/**
 * CPU time per stage of the hub's batch path, in process, without sockets: what P5's "outside the
 * store" time is made of. For B batches of N puts it measures, with process.cpuUsage (so other
 * load on the machine matters less than for wall time):
 *   wire decode   JSON.parse of the push frame's text (what socket.io-parser does)
 *   validate      validatePushRequest (shape, sizes)
 *   read          store.readForDecision (SQLite reads)
 *   decide        decideBatch
 *   commit        store.commitBatch with synchronous=OFF (CPU of the writes, no fsync)
 *   fsync         store.commitBatch with synchronous=FULL minus the same with OFF (wall)
 *   encode        JSON.stringify of the commits broadcast and of the ack
 *   node --import tsx bench/src/tools/hub-batch-stages.ts [batches=200] [perBatch=100]
 * With BENCH_CORE=/path/to/core/dist/index.js the decider and validation come from that build.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Change, DecisionSnapshot, HubStore } from '@accord/core'
import { sqliteStore } from '@accord/hub'
import { makeItem, schema } from '../schema.js'

// BENCH_CORE points at another build of @accord/core's index.js (an A/B of a core change).
const { decideBatch, HlcClock, PROTOCOL_VERSION, validatePushRequest } = (await import(process.env.BENCH_CORE ?? '@accord/core')) as typeof import('@accord/core')
const batches = Number(process.argv[2] ?? 200)
const perBatch = Number(process.argv[3] ?? 100)

type Stage = 'decode' | 'validate' | 'read' | 'decide' | 'commit' | 'encode'

function cpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

async function run(synchronous: 'FULL' | 'OFF'): Promise<{ cpu: Record<Stage, number>; commitWallMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'hub-stages-'))
  const store: HubStore = sqliteStore(join(dir, 'hub.db'))
  // The store sets FULL itself; OFF isolates the CPU of the writes from the fsync.
  ;(store as unknown as { db: { pragma(s: string): unknown } }).db.pragma(`synchronous = ${synchronous}`)
  const clock = new HlcClock({ node: 'hub', now: Date.now, maxDriftMs: 60_000 })
  const writerClock = new HlcClock({ node: 'r-bench', now: Date.now })
  const cpu: Record<Stage, number> = { decode: 0, validate: 0, read: 0, decide: 0, commit: 0, encode: 0 }
  let commitWallMs = 0
  let n = 1
  await store.openSpace('s')
  for (let b = 0; b < batches; b++) {
    const changes: Change[] = []
    for (let i = 0; i < perBatch; i++) {
      const item = makeItem(b * perBatch + i)
      changes.push({ writer: 'w-bench', n, replica: 'r-bench', tx: n, txEnd: true, col: 'items', key: item.id, hlc: writerClock.now(), op: 'put', ord: n, set: item, base: 0 })
      n += 1
    }
    const frame = JSON.stringify(['push', { v: PROTOCOL_VERSION, changes }])
    let t = cpuMs()
    const [, payload] = JSON.parse(frame) as [string, unknown]
    cpu.decode += cpuMs() - t
    t = cpuMs()
    const checked = validatePushRequest(payload, { batchChanges: 500, batchBytes: 1_000_000, recordBytes: 256_000, maxClockDriftMs: 60_000 } as never)
    cpu.validate += cpuMs() - t
    if (!checked.ok) throw new Error(checked.error.message)
    const valid = checked.value.changes
    t = cpuMs()
    const request = { records: valid.map((c) => ({ col: c.col, key: c.key })), writers: ['w-bench'], conflicts: [] }
    const snapshot: DecisionSnapshot = await store.readForDecision('s', request)
    cpu.read += cpuMs() - t
    t = cpuMs()
    const records = new Map(snapshot.records.map((r) => [`${r.col}/${r.key}`, r]))
    const writers = new Map(snapshot.writers.map((w) => [w.writer, w]))
    const result = decideBatch({
      schema,
      view: { head: snapshot.head, record: (col, key) => records.get(`${col}/${key}`), writer: (w) => writers.get(w), conflict: () => undefined },
      changes: valid,
      connection: { replica: 'r-bench', writers: new Set(['w-bench']) },
      clock,
      limits: { recordBytes: 256_000 },
    })
    cpu.decide += cpuMs() - t
    if (!result.ok) throw new Error(result.error.message)
    t = cpuMs()
    const wall = performance.now()
    if (!(await store.commitBatch('s', result.decision))) throw new Error('head moved')
    commitWallMs += performance.now() - wall
    cpu.commit += cpuMs() - t
    t = cpuMs()
    JSON.stringify(['commits', { v: PROTOCOL_VERSION, commits: result.decision.commits }])
    JSON.stringify([{ ok: true, ...result.decision.ack }])
    cpu.encode += cpuMs() - t
  }
  await store.close()
  rmSync(dir, { recursive: true, force: true })
  return { cpu, commitWallMs }
}

const off = await run('OFF')
const full = await run('FULL')
const changes = batches * perBatch
const us = (ms: number): string => ((ms / changes) * 1000).toFixed(1).padStart(7)
console.log(`${batches} batches × ${perBatch} puts; CPU µs per change (synchronous=OFF run):`)
let total = 0
for (const [stage, ms] of Object.entries(off.cpu)) {
  total += ms
  console.log(`  ${stage.padEnd(9)} ${us(ms)}`)
}
console.log(`  ${'total'.padEnd(9)} ${us(total)}  → ${Math.round((changes / total) * 1000)} changes/s of CPU on one core`)
console.log(`commitBatch wall per batch: OFF ${(off.commitWallMs / batches).toFixed(2)} ms, FULL ${(full.commitWallMs / batches).toFixed(2)} ms (fsync ≈ ${((full.commitWallMs - off.commitWallMs) / batches).toFixed(2)} ms)`)
