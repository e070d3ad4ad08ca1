/**
 * Counts IndexedDB work in a worker (transactions by mode, requests by method) so a figure can
 * say how many IndexedDB operations one Accord write costs. Installed first in both bench workers
 * (Accord's and the raw one) so their overhead, an increment per call, is the same on both sides.
 * The page reads and resets the counts over the BroadcastChannel `bench-idb-trace:<worker>`.
 */
import type { IdbCounts } from './raw-api.js'

export function installIdbTracer(workerName: string): void {
  let counts: IdbCounts = { transactions: { readonly: 0, readwrite: 0 }, readwriteStores: 0, requests: {} }
  const transaction = IDBDatabase.prototype.transaction
  IDBDatabase.prototype.transaction = function (this: IDBDatabase, names: string | string[], mode?: IDBTransactionMode, options?: IDBTransactionOptions) {
    const created = performance.now()
    const trans = transaction.call(this, names, mode, options)
    if (mode === 'readwrite') {
      counts.transactions.readwrite += 1
      counts.readwriteStores += typeof names === 'string' ? 1 : names.length
      const mine = counts
      trans.addEventListener('complete', () => (mine.readwriteMs = (mine.readwriteMs ?? 0) + performance.now() - created))
    } else counts.transactions.readonly += 1
    return trans
  } as typeof transaction
  const count = (proto: object, methods: string[], prefix: string): void => {
    for (const method of methods) {
      const original = (proto as Record<string, unknown>)[method]
      if (typeof original !== 'function') continue
      ;(proto as Record<string, unknown>)[method] = function (this: unknown, ...args: unknown[]) {
        counts.requests[`${prefix}${method}`] = (counts.requests[`${prefix}${method}`] ?? 0) + 1
        return (original as (...a: unknown[]) => unknown).apply(this, args)
      }
    }
  }
  count(IDBObjectStore.prototype, ['get', 'getAll', 'getAllKeys', 'getKey', 'put', 'add', 'delete', 'clear', 'count', 'openCursor', 'openKeyCursor'], '')
  count(IDBIndex.prototype, ['get', 'getAll', 'getAllKeys', 'getKey', 'count', 'openCursor', 'openKeyCursor'], 'index.')
  const channel = new BroadcastChannel(`bench-idb-trace:${workerName}`)
  channel.onmessage = (event: MessageEvent<{ type: 'read' | 'reset' }>) => {
    if (event.data.type === 'reset') counts = { transactions: { readonly: 0, readwrite: 0 }, readwriteStores: 0, requests: {} }
    else channel.postMessage({ type: 'counts', counts })
  }
}
