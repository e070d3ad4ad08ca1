/**
 * A HubStore wrapper that times every call (wall clock, so a blocking fsync counts): the hub
 * child uses it to split a batch's cost into store reads, the store's write transaction and the
 * rest (socket, validation, decision, broadcast).
 */
import type { HubStore } from '@accord/core'

export interface StoreTimings {
  [method: string]: { calls: number; ms: number }
}

export function timedStore(store: HubStore): { store: HubStore; timings: () => StoreTimings; reset: () => void } {
  let timings: StoreTimings = {}
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown
      if (typeof value !== 'function' || typeof prop !== 'string') return value
      return async (...args: unknown[]) => {
        const started = performance.now()
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args)
        } finally {
          const entry = (timings[prop] ??= { calls: 0, ms: 0 })
          entry.calls += 1
          entry.ms += performance.now() - started
        }
      }
    },
  })
  return { store: wrapped, timings: () => timings, reset: () => void (timings = {}) }
}
