import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Change, PushResponse } from '@accord/core'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { spawnHubProcess, type HubProcess } from './helpers/hub-process.js'
import { connectReplica, type TestReplica } from './helpers/test-replica.js'

const PER_BATCH = 5
const BATCHES = 60
const WINDOW = 4
const SPACE = 'crash'

/** Batch i is one transaction of five puts `b{i}-{j}`, numbered contiguously for one writer. */
function makeBatches(replica: TestReplica): Change[][] {
  return Array.from({ length: BATCHES }, (_, i) =>
    Array.from({ length: PER_BATCH }, (_, j) => replica.change('cards', `b${i}-${j}`, 'put', { id: `b${i}-${j}`, title: `batch ${i}` }, { open: j < PER_BATCH - 1 })),
  )
}

/**
 * Streams batches with up to WINDOW unacknowledged, and SIGKILLs the hub the moment the
 * `killAfter`-th acknowledgement arrives, while later batches are in flight. Returns the highest
 * acknowledged n.
 */
function streamAndKill(hub: HubProcess, replica: TestReplica, batches: Change[][], killAfter: number): Promise<number> {
  let acked = 0
  let ackCount = 0
  let next = 0
  let inflight = 0
  return new Promise((resolve) => {
    const onAck = (response: PushResponse): void => {
      inflight -= 1
      if (!response.ok) throw new Error(`push refused: ${response.error.code}`)
      acked = Math.max(acked, response.through[replica.writer] ?? 0)
      ackCount += 1
      if (ackCount === killAfter) {
        hub.child.kill('SIGKILL')
        resolve(acked)
      } else pump()
    }
    const pump = (): void => {
      while (inflight < WINDOW && next < batches.length && ackCount < killAfter) {
        inflight += 1
        replica.push(batches[next++], 20_000).then(onAck, () => undefined) // lost with the hub
      }
    }
    pump()
  })
}

describe('crash safety', () => {
  let dir: string | undefined
  const children: HubProcess[] = []
  afterEach(() => {
    for (const hub of children.splice(0)) hub.child.kill('SIGKILL')
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('keeps only whole batches and every acknowledged change after SIGKILL; re-sends are deduplicated', async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-crash-'))
    const db = join(dir, 'hub.db')
    const identity = { space: SPACE, replicaId: 'crash-replica', writers: ['crash-writer'] }

    const first = await spawnHubProcess(db)
    children.push(first)
    const writer = await connectReplica(first.url, identity)
    const batches = makeBatches(writer)
    const acked = await streamAndKill(first, writer, batches, 30)
    expect(await first.exited).toBe('SIGKILL')
    writer.close()

    const second = await spawnHubProcess(db)
    children.push(second)
    const again = await connectReplica(second.url, identity)
    const watermark = again.welcome.watermarks['crash-writer'] ?? 0
    expect(watermark).toBeGreaterThanOrEqual(acked) // no acknowledged change is missing
    expect(watermark % PER_BATCH).toBe(0) // only whole batches
    expect(again.welcome.head).toBe(watermark) // one commit per settled change, nothing else

    const page = await again.pull(0, 1000)
    if (!page.ok) throw new Error(page.error.code)
    const keys = page.records.map((r) => r.key).sort()
    const expected = batches.slice(0, watermark / PER_BATCH).flat().map((c) => c.key).sort()
    expect(keys).toEqual(expected)

    const file = new Database(db, { readonly: true })
    expect(file.pragma('integrity_check', { simple: true })).toBe('ok')
    file.close()

    // The replica re-sends its whole outbox: settled batches are acknowledged, never re-applied.
    for (const batch of batches) {
      const response = await again.push(batch)
      if (!response.ok) throw new Error(`re-send refused: ${response.error.code}`)
      expect(response.through['crash-writer']).toBe(Math.max(watermark, (batch[PER_BATCH - 1] as Change).n))
    }
    const final = await again.pull(0, 1000)
    if (!final.ok) throw new Error(final.error.code)
    expect(final.head).toBe(BATCHES * PER_BATCH)
    expect(final.records).toHaveLength(BATCHES * PER_BATCH)
    expect(new Set(final.records.map((r) => r.version)).size).toBe(BATCHES * PER_BATCH)
    again.close()
  })
  it('serves /healthz from the CLI and shuts down gracefully on SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'accord-cli-'))
    const hub = await spawnHubProcess(join(dir, 'hub.db'))
    children.push(hub)
    const health = await fetch(`${hub.url}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ ok: true })
    const replica = await connectReplica(hub.url, { space: SPACE })
    const ack = await replica.push([replica.change('cards', 'x', 'put', { id: 'x' })])
    expect(ack.ok).toBe(true)
    const disconnected = new Promise<string>((resolve) => replica.socket.once('disconnect', resolve))
    hub.child.kill('SIGTERM')
    expect(await hub.exited).toBe('0')
    expect(await disconnected).toBe('io server disconnect')
    expect(hub.output()).toContain('"msg":"hub closed"')
  })
})
