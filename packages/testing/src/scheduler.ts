import type { Timers } from '@accord/core/internal'

interface Task {
  at: number
  id: number
  run: () => void
}

/**
 * Virtual time. Everything that waits (network delivery, the engine's timers) is a task here, so
 * a run is a deterministic sequence of tasks; between tasks every pending promise settles.
 */
export class Scheduler implements Timers {
  now = 0
  private tasks: Task[] = []
  private nextId = 1
  private cancelled = new Set<number>()

  setTimeout(fn: () => void, ms: number): number {
    const id = this.nextId++
    const task = { at: this.now + Math.max(0, ms), id, run: fn }
    // Stable: equal times run in scheduling order.
    let i = this.tasks.length
    while (i > 0 && (this.tasks[i - 1] as Task).at > task.at) i--
    this.tasks.splice(i, 0, task)
    return id
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.cancelled.add(handle)
  }

  get pending(): number {
    return this.tasks.length
  }

  /** Runs the next task and lets every promise it started settle. False when nothing is queued. */
  async step(): Promise<boolean> {
    const task = this.tasks.shift()
    if (!task) return false
    if (this.cancelled.delete(task.id)) return true
    this.now = Math.max(this.now, task.at)
    task.run()
    await settle()
    return true
  }

  /** Runs tasks up to virtual time `until`. */
  async runUntil(until: number, maxSteps = 100_000): Promise<void> {
    for (let i = 0; i < maxSteps; i++) {
      const next = this.tasks[0]
      if (!next || next.at > until) break
      await this.step()
    }
    this.now = Math.max(this.now, until)
  }
}

/** Lets every queued microtask (and the chains they start) run to completion. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}
