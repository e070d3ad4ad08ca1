import type { Replica } from '@accord/client'
import type { DemoSchema } from '../schema.js'
import type { AppState } from './app-state.js'

/** What every view gets. */
export interface ViewContext {
  db: Replica<DemoSchema>
  state: AppState
  device: string
  /** Other devices' labels by replicaId, when the lab page told us. */
  deviceNames: Map<string, string>
  /** Re-applies divergence highlights after a view rendered. */
  rendered(): void
  /** Shows a failed write to the user. */
  report(error: unknown): void
}

/** Runs a write and reports a failure instead of leaving an unhandled rejection. */
export function attempt(ctx: ViewContext, write: () => Promise<unknown>): void {
  write().catch((error: unknown) => ctx.report(error))
}

/** A short random id with a prefix; ids sort roughly by creation. */
export function newId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`
}
