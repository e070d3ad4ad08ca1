import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import type { BatchWrite } from './batch-write.js'
import { prepareDatabase } from './ddl.js'
import { WriteThread } from './write-thread.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function setup(): { path: string; thread: WriteThread; head: () => number | undefined } {
  const dir = mkdtempSync(join(tmpdir(), 'accord-writer-'))
  dirs.push(dir)
  const path = join(dir, 'hub.db')
  const db = new Database(path)
  prepareDatabase(db)
  db.close()
  const head = (): number | undefined => {
    const reader = new Database(path, { readonly: true })
    try {
      return (reader.prepare('SELECT head FROM spaces WHERE space = ?').pluck().get('s1') as number | undefined) ?? undefined
    } finally {
      reader.close()
    }
  }
  return { path, thread: new WriteThread(path), head }
}

/** A write that only moves the head from `head` to `head + 1` (a batch of one no-op commit). */
const step = (head: number): BatchWrite => ({ space: 's1', head, next: head + 1, records: [], writers: [], conflicts: [], closed: [] })

/** The thread's worker, for tests that make it die. */
const workerOf = (thread: WriteThread): Worker | undefined => (thread as unknown as { worker: Worker | undefined }).worker

describe('WriteThread', () => {
  it('writes in order, refuses a write made on an old head, and has written when its promise resolves', async () => {
    const { thread, head } = setup()
    const results = await Promise.all([thread.write(step(0)), thread.write(step(1)), thread.write(step(1)), thread.write(step(2))])
    expect(results).toEqual([true, true, false, true])
    expect(head()).toBe(3)
    await thread.close()
  })

  it('fails the writes in flight when its thread dies, and starts a new thread for the next', async () => {
    const { thread, head } = setup()
    expect(await thread.write(step(0))).toBe(true)
    const dying = workerOf(thread)?.terminate()
    const lost = thread.write(step(1))
    await dying
    await expect(lost).rejects.toThrow(/exited/)
    expect(head()).toBe(1)
    expect(await thread.write(step(1))).toBe(true)
    expect(head()).toBe(2)
    await thread.close()
  })

  it('reports an error raised in the transaction, and has written nothing of that write', async () => {
    const { thread, head } = setup()
    expect(await thread.write(step(0))).toBe(true)
    const poisoned = { ...step(1), records: [{ col: 'items', key: 'x', value: { n: 1n }, deleted: false, version: 2, fields: {} }] } as unknown as BatchWrite
    await expect(thread.write(poisoned)).rejects.toThrow(/BigInt/)
    expect(head()).toBe(1)
    await thread.close()
  })
})
