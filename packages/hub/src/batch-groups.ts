import type { BatchDecision } from '@accord/core'
import { runBatchGroup, type BatchDeps, type BatchJob, type BatchOutcome } from './batch-runner.js'
import type { KeyedSerialQueue } from './serial-queue.js'

interface Queued {
  job: BatchJob
  onSettled: (decision: BatchDecision) => void
  resolve: (outcome: BatchOutcome) => void
  reject: (error: unknown) => void
}

/**
 * The hub's batches, one space at a time, with group commit: pushes of a space that arrive while
 * it is busy wait together, and the next turn settles all of them (up to `maxChanges` changes)
 * with `runBatchGroup`, one store transaction and one fsync for the lot, instead of one each.
 * Turns run on the space's serial queue, so they still take turns with anything else queued for
 * the space (retention purges). A turn first lets the event loop read what the sockets hold, so
 * that pushes already sent join it. `onSettled` (the broadcast) runs for each batch in order,
 * after the durable write and before any of them is acknowledged, so the room hears batches in
 * seq order.
 */
export class BatchGroups {
  private readonly waiting = new Map<string, Queued[]>()

  constructor(
    private readonly deps: BatchDeps,
    private readonly queue: KeyedSerialQueue,
    private readonly maxChanges: number,
  ) {}

  run(job: BatchJob, onSettled: (decision: BatchDecision) => void): Promise<BatchOutcome> {
    return new Promise<BatchOutcome>((resolve, reject) => {
      const queued: Queued = { job, onSettled, resolve, reject }
      const waiting = this.waiting.get(job.space)
      if (waiting) waiting.push(queued)
      else this.schedule(job.space, [queued])
    })
  }

  /** Queues a turn for the space; pushes arriving until it starts join `waiting`. */
  private schedule(space: string, waiting: Queued[]): void {
    this.waiting.set(space, waiting)
    void this.queue.run(space, () => this.turn(space))
  }

  private async turn(space: string): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve))
    const waiting = this.waiting.get(space) ?? []
    this.waiting.delete(space)
    let changes = 0
    let size = 0
    while (size < waiting.length && (size === 0 || changes + (waiting[size] as Queued).job.changes.length <= this.maxChanges)) {
      changes += (waiting[size] as Queued).job.changes.length
      size += 1
    }
    const group = waiting.slice(0, size)
    // The rest go first in the next turn, ahead of any push that arrives later.
    if (size < waiting.length) this.schedule(space, waiting.slice(size))

    let results: PromiseSettledResult<BatchOutcome>[]
    try {
      results = await runBatchGroup(this.deps, group.map((q) => q.job))
    } catch (error) {
      for (const q of group) q.reject(error)
      return
    }
    group.forEach((q, i) => {
      const result = results[i]
      if (result?.status !== 'fulfilled') return
      if (!result.value.ok) return
      try {
        q.onSettled(result.value.decision)
      } catch (error) {
        results[i] = { status: 'rejected', reason: error }
      }
    })
    group.forEach((q, i) => {
      const result = results[i]
      if (result?.status === 'fulfilled') q.resolve(result.value)
      else q.reject(result?.reason ?? new Error('no outcome for a batch of the group'))
    })
  }
}
