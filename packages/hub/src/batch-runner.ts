import {
  decideBatch,
  toWireError,
  type BatchDecision,
  type Change,
  type ConflictRecord,
  type DecisionReadRequest,
  type DecisionSnapshot,
  type DeciderView,
  type HlcClock,
  type HubRecordState,
  type HubStore,
  type Schema,
  type WireError,
  type WriterState,
} from '@accord/core'
import { DecisionOverlay, mergeDecisions, recordKey } from '@accord/core/internal'
import { HookError, judgeDecision, type Refusals } from './batch-hooks.js'
import type { Logger } from './logger.js'
import type { AuthorizeFn, Principal } from './types.js'

/** What one batch needs beyond the changes: the hub's parts. */
export interface BatchDeps {
  schema: Schema
  store: HubStore
  clock: HlcClock
  limits: { recordBytes: number }
  authorize: AuthorizeFn | undefined
  logger: Logger
}

/** One push, as the connection that sent it hands it over. */
export interface BatchJob {
  space: string
  changes: Change[]
  /**
   * `writers`: the connection's writers as it knows them, the same live Set for all its pushes,
   * so that a push queued behind another of its connection's is judged with the writers that one
   * first used (DESIGN §3 rule 3), even before they are added to the Set.
   */
  connection: { replica: string; writers: ReadonlySet<string> }
  principal: Principal
}

/**
 * The writers that batches of a group first used, by connection (its live writer Set): a later
 * batch of the same connection counts them as its own, as it would had it waited for the ack.
 */
class FirstUsedWriters {
  private readonly byConnection = new Map<ReadonlySet<string>, Set<string>>()

  /** `job` with the writers its connection's earlier batches first used. */
  widen(job: BatchJob): BatchJob {
    const used = this.byConnection.get(job.connection.writers)
    if (!used) return job
    return { ...job, connection: { ...job.connection, writers: new Set([...job.connection.writers, ...used]) } }
  }

  record(job: BatchJob, outcome: BatchOutcome): void {
    if (!outcome.ok || outcome.decision.commits.length === 0) return
    let used = this.byConnection.get(job.connection.writers)
    if (!used) this.byConnection.set(job.connection.writers, (used = new Set()))
    for (const { writer } of outcome.decision.writers) used.add(writer)
  }
}

export type BatchOutcome = { ok: true; decision: BatchDecision } | { ok: false; error: WireError }

/**
 * How long a batch may keep deciding again because other hub processes on the same store moved
 * the space's head. A budget of time, not of attempts: with several busy processes on one space,
 * a batch can lose many rounds in a row, and each loss costs only a few milliseconds.
 */
const RETRY_BUDGET_MS = 15_000

/**
 * Settles one batch (DESIGN §3 rule 2). The caller runs one batch per space at a time.
 *
 *   read snapshot ──▶ decide ──▶ hooks ──refused?──▶ decide again with the refusals
 *         ▲                        │ all settled
 *         └──── head moved ◀── commitBatch ──▶ written: done
 *
 * A decision with no commit (every change already settled) writes nothing.
 */
export async function runBatch(deps: BatchDeps, job: BatchJob): Promise<BatchOutcome> {
  const deadline = Date.now() + RETRY_BUDGET_MS
  for (let attempt = 1; ; attempt++) {
    const snapshot = await deps.store.readForDecision(job.space, decisionRequest(job.changes))
    const decided = await decideWithHooks(deps, job, snapshotView(snapshot))
    if (!decided.ok || decided.decision.commits.length === 0) return decided
    if (await deps.store.commitBatch(job.space, decided.decision)) return decided
    if (Date.now() > deadline) break
    deps.logger.debug('head moved under a batch; deciding again', { space: job.space, attempt })
    // Processes that keep colliding fall out of step: a few milliseconds of jitter after repeated losses.
    if (attempt >= 3) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt, 10)))
  }
  return { ok: false, error: { code: 'internal', message: `space ${job.space} kept moving; try again` } }
}

/**
 * Settles several batches of one space, queued one behind the other, with one store write (group
 * commit). Each batch is decided in order, alone, with its hooks, on the space as the batches
 * before it leave it (`DecisionOverlay`); the decisions are then written in one transaction, so
 * they become durable and visible together, in seq order. Every outcome is returned only after
 * that write: no batch is acknowledged before it is durable. When the space moved under the
 * group (another hub process), the whole group is decided again. When the shared write throws,
 * each batch is settled again on its own, so that one batch's failure stays its own.
 */
export async function runBatchGroup(deps: BatchDeps, jobs: readonly BatchJob[]): Promise<PromiseSettledResult<BatchOutcome>[]> {
  const space = jobs[0]?.space
  if (space === undefined) return []
  if (jobs.length === 1) return Promise.allSettled([runBatch(deps, jobs[0] as BatchJob)])
  const deadline = Date.now() + RETRY_BUDGET_MS
  for (let attempt = 1; ; attempt++) {
    const snapshot = await deps.store.readForDecision(space, decisionRequest(jobs.flatMap((job) => job.changes)))
    const overlay = new DecisionOverlay(snapshotView(snapshot))
    const outcomes: PromiseSettledResult<BatchOutcome>[] = []
    const written: BatchDecision[] = []
    const firstUsed = new FirstUsedWriters()
    for (const job of jobs) {
      const [decided] = await Promise.allSettled([decideWithHooks(deps, firstUsed.widen(job), overlay)])
      outcomes.push(decided as PromiseSettledResult<BatchOutcome>)
      if (decided?.status === 'fulfilled' && decided.value.ok && decided.value.decision.commits.length > 0) {
        overlay.add(decided.value.decision)
        written.push(decided.value.decision)
        firstUsed.record(job, decided.value)
      }
    }
    let committed = true
    try {
      if (written.length > 0) committed = await deps.store.commitBatch(space, mergeDecisions(written))
    } catch (error) {
      deps.logger.warn('a group of batches failed to write; settling them one by one', { space, batches: jobs.length, error })
      const settled: PromiseSettledResult<BatchOutcome>[] = []
      const firstUsedAlone = new FirstUsedWriters()
      for (const job of jobs) {
        const [outcome] = await Promise.allSettled([runBatch(deps, firstUsedAlone.widen(job))])
        settled.push(outcome as PromiseSettledResult<BatchOutcome>)
        if (outcome?.status === 'fulfilled') firstUsedAlone.record(job, outcome.value)
      }
      return settled
    }
    if (committed) return outcomes
    if (Date.now() > deadline) break
    deps.logger.debug('head moved under a group of batches; deciding again', { space, attempt })
    if (attempt >= 3) await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt, 10)))
  }
  const error: BatchOutcome = { ok: false, error: { code: 'internal', message: `space ${space} kept moving; try again` } }
  return jobs.map(() => ({ status: 'fulfilled', value: error }))
}

async function decideWithHooks(deps: BatchDeps, job: BatchJob, view: DeciderView): Promise<BatchOutcome> {
  const refused: Refusals = new Map()
  // Each pass refuses at least one more transaction, and a refused one has no effects: this ends.
  for (;;) {
    let result: ReturnType<typeof decideBatch>
    try {
      result = decideBatch({
        schema: deps.schema,
        view,
        changes: job.changes,
        connection: job.connection,
        clock: deps.clock,
        limits: deps.limits,
        refused,
      })
    } catch (error) {
      deps.logger.error('the decider threw', { space: job.space, error })
      return { ok: false, error: { code: 'internal', message: toWireError(error).message } }
    }
    if (!result.ok) return result
    let fresh: Refusals
    try {
      fresh = await judgeDecision(result.decision, { authorize: deps.authorize, principal: job.principal, space: job.space, refused })
    } catch (error) {
      if (!(error instanceof HookError)) throw error
      deps.logger.error('a hook threw; batch not written', { space: job.space, error: error.cause })
      return { ok: false, error: { code: 'internal', message: 'a hub hook failed; try again' } }
    }
    if (fresh.size === 0) return result
    for (const [tx, refusal] of fresh) refused.set(tx, refusal)
  }
}

/** Everything the decider may read for these changes. */
export function decisionRequest(changes: readonly Change[]): DecisionReadRequest {
  const records = new Map<string, { col: string; key: string }>()
  const writers = new Set<string>()
  const conflicts = new Set<number>()
  for (const change of changes) {
    records.set(recordKey(change.col, change.key), { col: change.col, key: change.key })
    writers.add(change.writer)
    if (change.resolves !== undefined) conflicts.add(change.resolves)
  }
  return { records: [...records.values()], writers: [...writers], conflicts: [...conflicts] }
}

/** The decider's synchronous view over a snapshot. */
export function snapshotView(snapshot: DecisionSnapshot): DeciderView {
  const records = new Map<string, HubRecordState>(snapshot.records.map((r) => [recordKey(r.col, r.key), r]))
  const writers = new Map<string, WriterState>(snapshot.writers.map((w) => [w.writer, w]))
  const conflicts = new Map<number, ConflictRecord>(snapshot.conflicts.map((c) => [c.id, c]))
  return {
    head: snapshot.head,
    record: (col, key) => records.get(recordKey(col, key)),
    writer: (writer) => writers.get(writer),
    conflict: (id) => conflicts.get(id),
  }
}
