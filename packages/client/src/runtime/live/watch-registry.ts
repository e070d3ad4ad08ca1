import { canonicalJson, type JsonValue } from '@accord/core'
import { liveQuery } from 'dexie'
import type { Logger } from '../logger.js'

interface Unsubscribable {
  unsubscribe(): void
}

/**
 * Live subscriptions by numeric id (the ids `watch`/`unwatch` exchange with the page). A query
 * runs in a Dexie `liveQuery`, which re-runs it after every committed change to what it read,
 * whether this runtime, another tab's or worker's runtime (Dexie relays changes over
 * BroadcastChannel) or the hub's commits made it. A result equal to the last one is not re-sent.
 * A listener that throws or rejects (a page that went away) is dropped.
 */
export class WatchRegistry {
  private next = 1
  private readonly active = new Map<number, Unsubscribable>()

  constructor(private readonly logger: Logger) {}

  /** Subscribes `listener` to the results of `query`; returns the watch id. */
  watchQuery<T>(query: () => Promise<T>, listener: (value: T) => unknown): number {
    const id = this.next++
    let last: string | undefined
    const subscription = liveQuery(query).subscribe({
      next: (value) => {
        const text = canonicalJson((value ?? null) as JsonValue)
        if (text === last) return
        last = text
        this.deliver(id, listener, value)
      },
      error: (error: unknown) => this.logger.warn('a live query failed; the watch stops', { id, error }),
    })
    this.active.set(id, subscription)
    return id
  }

  /** Registers any other subscription (status, conflicts) under an id. */
  register(subscription: Unsubscribable): number {
    const id = this.next++
    this.active.set(id, subscription)
    return id
  }

  /** Calls a page listener; one that fails is unsubscribed. */
  deliver<T>(id: number, listener: (value: T) => unknown, value: T): void {
    const drop = (error: unknown): void => {
      this.logger.debug('a watch listener failed; unwatching it', { id, error })
      this.unwatch(id)
    }
    try {
      const result = listener(value)
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') (result as PromiseLike<unknown>).then(undefined, drop)
    } catch (error) {
      drop(error)
    }
  }

  /** Ends one subscription; unknown ids are ignored. */
  unwatch(id: number): void {
    const subscription = this.active.get(id)
    if (!subscription) return
    this.active.delete(id)
    subscription.unsubscribe()
  }

  /** Ends every subscription. */
  closeAll(): void {
    for (const id of [...this.active.keys()]) this.unwatch(id)
  }
}
