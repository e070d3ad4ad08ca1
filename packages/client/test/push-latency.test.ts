/**
 * A write's push leaves without a transaction of its own (BENCHMARKS.md, P4): when the push loop
 * is idle, the write's transaction also plans the push, so the hub hears it as the write commits.
 * Real hub on loopback, an in-process runtime on fake-indexeddb.
 */
import { IDBDatabase } from 'fake-indexeddb'
import { afterEach, describe, expect, it } from 'vitest'
import { schema } from './fixtures/schema.js'
import { until } from './helpers/replica.js'
import { Scenario, settle } from './helpers/scenario.js'

let s: Scenario
let restore: (() => void) | undefined
afterEach(async () => {
  restore?.()
  restore = undefined
  await s.dispose()
})

/**
 * Counts read-write transactions once `counting` is set. Installed before the replica opens:
 * Dexie binds the database's `transaction` when it opens it.
 */
function readWriteCounter(): { start: () => void; count: () => number } {
  let counting = false
  let count = 0
  const original = IDBDatabase.prototype.transaction
  IDBDatabase.prototype.transaction = function (this: InstanceType<typeof IDBDatabase>, ...args: Parameters<typeof original>) {
    if (counting && args[1] === 'readwrite') count += 1
    return original.apply(this, args)
  } as typeof original
  restore = () => (IDBDatabase.prototype.transaction = original)
  return { start: () => (counting = true), count: () => count }
}

describe('a write and its push', () => {
  it('opens one read-write transaction between the write and the push reaching the hub', async () => {
    const transactions = readWriteCounter()
    s = await new Scenario(schema).start()
    const a = await s.replica('a')
    await a.put('cards', { id: 'c1', title: 'base', listId: 'l1', votes: 0, tags: [] })
    await settle(a)
    let atPush: number | undefined
    for (const socket of s.hub.hub.io.sockets.sockets.values()) socket.onAny((event) => void (event === 'push' && (atPush ??= transactions.count())))
    transactions.start()
    await a.update('cards', 'c1', { title: 'renamed' })
    await until(() => atPush !== undefined, 'the push at the hub')
    // The write's own, which committed the change and planned its push; none of the push loop's.
    expect(atPush).toBe(1)
  })
})
