/**
 * Live reads across the boundary (STYLE §7): Observables never cross it. Subscribing registers a
 * callback with the runtime (a Comlink proxy when hosted in a worker); unsubscribing calls
 * `unwatch`, and the host then releases the proxy.
 */
import { AccordError } from '@accord/core'
import { Observable, type Subscriber } from 'rxjs'
import type { Result } from '../shared/worker-api.js'
import type { HostConnection } from './connect.js'
import { closedError, toAccordError } from './result.js'

/** Completes every live subscription of a replica when it closes. */
export class LiveSet {
  private readonly subscribers = new Set<Subscriber<unknown>>()
  closed = false

  add(subscriber: Subscriber<unknown>): () => void {
    this.subscribers.add(subscriber)
    return () => this.subscribers.delete(subscriber)
  }

  completeAll(): void {
    this.closed = true
    for (const subscriber of this.subscribers) subscriber.complete()
    this.subscribers.clear()
  }
}

/** An Observable over a runtime subscription: `start` registers the listener and returns its id. */
export function watch$<T>(
  connection: HostConnection,
  live: LiveSet,
  start: (listener: (value: T) => void) => Promise<Result<number>>,
): Observable<T> {
  return new Observable<T>((subscriber) => {
    if (live.closed) {
      subscriber.error(closedError())
      return undefined
    }
    let id: number | undefined
    let ended = false
    const forget = live.add(subscriber as Subscriber<unknown>)
    const listener = connection.proxy((value: T) => {
      if (!ended) subscriber.next(value)
    })
    start(listener).then(
      (result) => {
        if (!result.ok) subscriber.error(AccordError.fromWire(result.error))
        else if (ended) void connection.api.unwatch(result.value).catch(() => undefined)
        else id = result.value
      },
      (error: unknown) => subscriber.error(toAccordError(error)),
    )
    return () => {
      ended = true
      forget()
      if (id !== undefined && !live.closed) void connection.api.unwatch(id).catch(() => undefined)
    }
  })
}
