import type { PullResponse, PulledRecord } from '@accord/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectReplica, type TestReplica } from '../helpers/test-replica.js'
import { startCluster, type Cluster } from './helpers/cluster.js'

const ROUNDS = 20
const WRITERS = 4
const BATCHES = 12

/**
 * DESIGN §3 rule 8 across processes: 4 writers on 2 hub processes share one PostgreSQL space while
 * a reader pages through it by cursor. Every change writes a key of its own, so each seq is the
 * version of exactly one record, for good: the versions the reader receives must be 1..head, each
 * once. A commit that became visible after a higher seq would be skipped by the reader's cursor and
 * show as a gap; two processes handing out one seq would show as a duplicate.
 */
describe('cursor correctness with 4 writers on 2 hub processes', () => {
  let cluster: Cluster
  beforeAll(async () => {
    cluster = await startCluster(2, { redis: false })
  }, 60_000)
  afterAll(async () => {
    await cluster?.stop()
  })

  it.each(Array.from({ length: ROUNDS }, (_, round) => ({ round })))('round $round: the reader receives every seq exactly once', async ({ round }) => {
    const space = `cursor-${round}`
    const urls = cluster.nodes.map((n) => n.url)
    const writers = await Promise.all(Array.from({ length: WRITERS }, (_, i) => connectReplica(urls[i % 2] as string, { space })))
    const reader = await connectReplica(urls[round % 2] as string, { space })
    try {
      let writing = true
      const written = Promise.all(writers.map((w, i) => writeBatches(w, i, round))).finally(() => (writing = false))
      written.catch(() => undefined) // awaited below; a failing reader must not leave it unhandled
      const received = await readWhile(reader, () => writing)
      const total = (await written).reduce((a, b) => a + b, 0)

      const versions = received.map((r) => r.version).sort((a, b) => a - b)
      expect(versions).toEqual(Array.from({ length: total }, (_, i) => i + 1))
      const final = await pullAll(reader)
      expect(final.head).toBe(total)
      expect(new Map(received.map((r) => [r.key, r.version]))).toEqual(new Map(final.records.map((r) => [r.key, r.version])))
    } finally {
      for (const r of [...writers, reader]) r.close()
    }
  }, 60_000)
})

/** Pushes BATCHES transactions of 1–3 fresh puts, one after the other; returns how many changes. */
async function writeBatches(writer: TestReplica, index: number, round: number): Promise<number> {
  let changes = 0
  for (let b = 0; b < BATCHES; b++) {
    const size = 1 + ((b + index + round) % 3)
    const batch = Array.from({ length: size }, (_, c) => writer.change('notes', `w${index}-b${b}-c${c}`, 'put', { id: `w${index}-b${b}-c${c}`, by: index }, { open: c < size - 1 }))
    for (;;) {
      const ack = await writer.push(batch)
      if (ack.ok) break
      // The only refusal a well-behaved writer may meet here; the hub kept nothing of the batch.
      if (ack.error.code !== 'rate_limited') throw new Error(`push refused: ${ack.error.code} ${ack.error.message}`)
      await new Promise((resolve) => setTimeout(resolve, 50)) // the bucket refills
    }
    changes += size
  }
  return changes
}

/**
 * Pages by cursor (small pages) while the writers write, then once more to the head. Returns every
 * record received, in order, checking on the way that versions only grow within a page and that
 * a page never goes back behind the cursor.
 */
async function readWhile(reader: TestReplica, writing: () => boolean): Promise<PulledRecord[]> {
  const received: PulledRecord[] = []
  let cursor = 0
  for (let page = 0; ; page++) {
    const stillWriting = writing()
    const response = await reader.pull(cursor, 1 + (page % 4))
    if (!response.ok) {
      if (response.error.code !== 'rate_limited') throw new Error(`pull refused: ${response.error.code}`)
      await new Promise((resolve) => setTimeout(resolve, 20)) // the bucket refills
      continue
    }
    let last = cursor
    for (const record of response.records) {
      expect(record.version).toBeGreaterThan(last)
      last = record.version
      received.push(record)
    }
    expect(response.until).toBeGreaterThanOrEqual(cursor)
    cursor = response.until
    if (!stillWriting && !response.more) return received
  }
}

async function pullAll(reader: TestReplica): Promise<Extract<PullResponse, { ok: true }>> {
  const response = await reader.pull(0, 100_000)
  if (!response.ok) throw new Error(response.error.code)
  return response
}
