import type { Rng } from './rng.js'
import type { Scheduler } from './scheduler.js'

/** Network faults, each a knob of the simulation. */
export interface NetworkFaults {
  /** Max one-way delay in ms (each message draws its own, so messages reorder). */
  maxDelayMs: number
  /** Probability that a broadcast is delivered twice. */
  duplicate: number
  /** Probability that a request reaches the hub twice. */
  duplicateRequest: number
  /** Probability that a broadcast is lost (a dropped last broadcast must be recovered by `head`). */
  drop: number
}

/** One replica↔hub connection. Cutting it fails pending requests and stops deliveries. */
export class Link {
  up = true
  private failures = new Set<(error: Error) => void>()

  constructor(
    private readonly scheduler: Scheduler,
    private readonly rng: Rng,
    private readonly faults: NetworkFaults,
    readonly onCut: () => void,
  ) {}

  private delay(): number {
    return this.rng.int(0, this.faults.maxDelayMs)
  }

  /** Delivers a hub→replica message (maybe twice, maybe never, as the faults say). */
  deliver(fn: () => void): void {
    if (!this.up || this.rng.chance(this.faults.drop)) return
    const copies = this.rng.chance(this.faults.duplicate) ? 2 : 1
    for (let i = 0; i < copies; i++) {
      this.scheduler.setTimeout(() => {
        if (this.up) fn()
      }, this.delay())
    }
  }

  /** A request/response round trip; rejects if the link is cut before the answer arrives. */
  request<T>(handle: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.up) return reject(new Error('link down'))
      this.failures.add(reject)
      const copies = this.rng.chance(this.faults.duplicateRequest) ? 2 : 1
      let answered = false
      for (let i = 0; i < copies; i++) {
        this.scheduler.setTimeout(() => {
          if (!this.up) return
          void handle().then(
            (value) =>
              this.scheduler.setTimeout(() => {
                if (answered || !this.up) return
                answered = true
                this.failures.delete(reject)
                resolve(value)
              }, this.delay()),
            (error: unknown) => {
              this.failures.delete(reject)
              reject(error instanceof Error ? error : new Error(String(error)))
            },
          )
        }, this.delay())
      }
    })
  }

  cut(): void {
    if (!this.up) return
    this.up = false
    for (const fail of this.failures) fail(new Error('link cut'))
    this.failures.clear()
    this.onCut()
  }
}
