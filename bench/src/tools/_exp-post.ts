import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { HlcClock, decideBatch, type Change } from '@accord/core'
import { makeItem, schema } from '../schema.js'
import { toBatchWrite } from '../../../packages/hub/dist/sqlite/batch-write.js'
void mkdtempSync; void tmpdir; void join
const clock = new HlcClock({ node: 'hub', now: Date.now })
const wc = new HlcClock({ node: 'r-bench', now: Date.now })
const changes: Change[] = []
for (let i = 0; i < 400; i++) { const item = makeItem(i); changes.push({ writer: 'w-bench', n: i + 1, replica: 'r-bench', tx: i + 1, txEnd: true, col: 'items', key: item.id, hlc: wc.now(), op: 'put', ord: i + 1, set: item, base: 0 }) }
const r = decideBatch({ schema, view: { head: 0, record: () => undefined, writer: () => undefined, conflict: () => undefined }, changes, connection: { replica: 'r-bench', writers: new Set(['w-bench']) }, clock, limits: { recordBytes: 256000 } })
if (!r.ok) throw new Error('x')
const w = new Worker(`require('node:worker_threads').parentPort.on('message', (m) => { const t = Date.now(); while (Date.now() - t < Number(process.env.BUSY ?? 0)) {} })`, { eval: true })
let best = Infinity, sum = 0
for (let k = 0; k < 100; k++) {
  const batch = toBatchWrite('ingest', r.decision)
  const t = performance.now(); w.postMessage({ id: k, write: batch }); const d = performance.now() - t
  best = Math.min(best, d); sum += d
  await new Promise((res) => setTimeout(res, 2))
}
console.log('postMessage of a 400-record write: best', (best * 1000 / 400).toFixed(2), 'µs/row, mean', (sum / 100 * 1000 / 400).toFixed(2))
const t2 = performance.now(); for (let k = 0; k < 20; k++) toBatchWrite('ingest', r.decision); console.log('toBatchWrite µs/row', ((performance.now() - t2) / 20 * 1000 / 400).toFixed(2))
await w.terminate()
{
  const w2 = new Worker(`require('node:worker_threads').parentPort.on('message', () => {})`, { eval: true })
  let best = Infinity
  for (let k = 0; k < 100; k++) {
    const t = performance.now(); w2.postMessage({ id: k, records: r.decision.records }); best = Math.min(best, performance.now() - t)
    await new Promise((res) => setTimeout(res, 2))
  }
  console.log('postMessage of the 400 record states as objects: best', (best * 1000 / 400).toFixed(2), 'µs/row')
  await w2.terminate()
}
