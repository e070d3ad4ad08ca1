/**
 * Runs jobs one at a time per key, in the order they were queued: the hub's "one batch per space
 * at a time". Jobs of different keys run concurrently. A failing job does not stop the next.
 */
export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>()

  run<T>(key: string, job: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    const result = previous.then(job, job)
    const tail = result.then(
      () => undefined,
      () => undefined,
    )
    this.tails.set(key, tail)
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    })
    return result
  }

  /** Resolves once every job queued so far has finished. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()])
  }
}

/** Promises still running (requests being answered): `close()` waits for them. */
export class InflightTracker {
  private readonly running = new Set<Promise<unknown>>()

  track<T>(promise: Promise<T>): Promise<T> {
    this.running.add(promise)
    const forget = (): void => void this.running.delete(promise)
    promise.then(forget, forget)
    return promise
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running])
  }
}
