import type { HlcClock } from '../clock/hlc.js'
import type { Change, Commit, ConflictRecord, PushAck, RejectedTx } from '../model/change.js'
import type { WireError } from '../model/errors.js'
import { jsonBytes, type RecordValue } from '../model/json.js'
import { withPrev } from '../model/prev.js'
import type { Schema } from '../schema/define-schema.js'
import type { StandardSchemaV1 } from '../schema/standard-schema.js'
import { decideChange, type ChangeDecision, type ConflictDraft, type DecideChangeInput, type PrevRequired } from './decide-change.js'
import { recordKey, txKey, type DeciderView, type HubRecordState, type WriterState } from './hub-record.js'
import { executePlan } from './plan.js'
import { checkBatch } from './validate-batch.js'

/** Refusal codes whose ConflictRecord only the writer sees (DESIGN §3 rule 5). */
const PRIVATE_CODES = new Set(['unauthorized', 'forbidden', 'validation_failed', 'payload_too_large', 'missing_record'])

export interface DecideBatchInput {
  schema: Schema
  view: DeciderView
  changes: readonly Change[]
  /** The pushing connection: its replica and the writers it holds (declared or used). */
  connection: { replica: string; writers: ReadonlySet<string> }
  /** The hub's clock: follows incoming HLCs, replaces those too far ahead, stamps chosen values. */
  clock: HlcClock
  limits: { recordBytes: number }
  /** Transactions the hub's async hooks refused on an earlier pass (`txKey` → code and message). */
  refused?: ReadonlyMap<string, { code: string; message: string }>
  /** Test-only fault injection, to prove the simulator catches broken deciders. */
  faults?: DeciderFaults
}

/** Deliberate bugs, for the simulator's self-test only. */
export interface DeciderFaults {
  /** Re-applies changes the hub already settled. */
  applyDuplicates?: boolean
  /** Keeps the first change of a rejected transaction. */
  partialReject?: boolean
  /** Settles a conflict of a change sent without `prev` as if the writer had seen none of the fields. */
  decideWithoutPrev?: boolean
}

/** One applied change with the record before and after it: what `authorize` judges. */
export interface ChangeEffect {
  tx: string
  change: Change
  before: RecordValue | undefined
  after: RecordValue | undefined
}

/** A Standard Schema validation that answered with a Promise: the hub awaits it before writing. */
export interface PendingValidation {
  tx: string
  col: string
  key: string
  result: Promise<StandardSchemaV1.Result<unknown>>
}

/** Everything one batch does, to be written in one store transaction if `head` has not moved. */
export interface BatchDecision {
  /** The space's seq the decision was made on. */
  head: number
  commits: Commit[]
  records: HubRecordState[]
  writers: WriterState[]
  /** ConflictRecords opened by this batch (public and private). */
  conflicts: ConflictRecord[]
  /** Manual conflicts this batch closed. */
  closed: { id: number; closedBy: number }[]
  ack: PushAck
  effects: ChangeEffect[]
  pendingValidations: PendingValidation[]
}

export type DecideBatchResult = { ok: true; decision: BatchDecision } | { ok: false; error: WireError }

interface Settled {
  change: Change
  seq: number
  pv: number
  decision: ChangeDecision
  before: HubRecordState | undefined
  after?: HubRecordState
  body?: ReturnType<typeof executePlan>['body']
}

/**
 * The hub's decision function: a batch of changes against a snapshot → commits, record states,
 * watermarks and ConflictRecords. Pure apart from the injected clock. Every new change gets exactly
 * one commit; a refused transaction leaves no trace but its no-op commits; changes at or below their
 * writer's watermark are acknowledged and never re-applied. A new change that conflicts but came
 * without `prev` fails the whole batch with `prev_required` (nothing decided: the replica sends the
 * same push again with `prev`).
 */
export function decideBatch(input: DecideBatchInput): DecideBatchResult {
  const { schema, view, connection, clock } = input
  const error = checkBatch(schema, view, connection.replica, input.changes)
  if (error) return { ok: false, error }

  const writers = new Map<string, WriterState>()
  const writerState = (id: string): WriterState => {
    let state = writers.get(id)
    if (!state) {
      const known = view.writer(id)
      state = { writer: id, replica: connection.replica, watermark: known?.watermark ?? 0 }
      writers.set(id, state)
    }
    return state
  }
  const own = (w: string | undefined): boolean => w !== undefined && (connection.writers.has(w) || writers.has(w))
  const batchRecords = new Map<string, HubRecordState | undefined>()
  const closedNow = new Map<number, number>()
  const conflictAt = (id: number): ConflictRecord | undefined => {
    const found = view.conflict(id)
    return found && closedNow.has(id) ? { ...found, closedBy: closedNow.get(id) as number } : found
  }

  const fresh: Change[] = []
  for (const change of input.changes) {
    const state = writerState(change.writer)
    if (change.n <= state.watermark && !input.faults?.applyDuplicates) continue
    fresh.push(change)
  }

  const out: BatchDecision = {
    head: view.head,
    commits: [],
    records: [],
    writers: [],
    conflicts: [],
    closed: [],
    ack: { through: {}, seq: view.head, rejected: [] },
    effects: [],
    pendingValidations: [],
  }
  let seq = view.head
  for (const txChanges of groupTransactions(fresh)) {
    const first = txChanges[0] as Change
    const key = txKey(first.writer, first.tx)
    const txRecords = new Map<string, HubRecordState | undefined>()
    const read = (col: string, k: string): HubRecordState | undefined => {
      const rk = recordKey(col, k)
      if (txRecords.has(rk)) return txRecords.get(rk)
      if (batchRecords.has(rk)) return batchRecords.get(rk)
      return view.record(col, k)
    }
    const settled: Settled[] = []
    let refusal: { code: string; message: string; at: number; conflict?: ConflictDraft } | undefined
    const forced = input.refused?.get(key)
    if (forced) refusal = { ...forced, at: 0 }

    for (const raw of txChanges) {
      if (refusal) break
      const change = normalizeHlc(raw, clock)
      const col = schema.collection(change.col)
      const record = read(change.col, change.key)
      seq += 1
      const decision = decideWithPrev({ change, record, col, own, hubHlc: () => clock.now(), conflict: conflictAt }, input.faults)
      if (decision.kind === 'prevRequired') {
        return { ok: false, error: { code: 'prev_required', message: `change ${change.writer}#${change.n} conflicts on the hub: send it again with prev`, details: { writer: change.writer, n: change.n } } }
      }
      const entry: Settled = { change, seq, pv: record?.version ?? 0, decision, before: record }
      settled.push(entry)
      if (decision.kind === 'reject') {
        refusal = { code: decision.code, message: decision.message, at: settled.length - 1, ...(decision.conflict ? { conflict: decision.conflict } : {}) }
        break
      }
      if (decision.kind === 'write') {
        const { record: next, body } = executePlan(record, decision.plan, { col, key: change.key, seq })
        entry.after = next
        entry.body = body
        txRecords.set(recordKey(change.col, change.key), next)
        if (decision.resolves !== undefined) closedNow.set(decision.resolves, seq)
      }
    }
    if (!refusal) refusal = checkTxRecords(schema, txRecords, input.limits, key, out.pendingValidations)

    if (refusal) {
      seq = out.head + out.commits.length
      if (input.faults?.partialReject && settled[0]?.after) {
        const kept = settled[0]
        batchRecords.set(recordKey(kept.change.col, kept.change.key), kept.after)
      }
      for (const entry of settled) if (entry.decision.kind === 'write' && entry.decision.resolves !== undefined) closedNow.delete(entry.decision.resolves)
      emitRejection(out, txChanges, refusal, batchRecords, view, clock)
      seq = out.head + out.commits.length
      out.ack.rejected.push({ writer: first.writer, tx: first.tx, code: refusal.code } satisfies RejectedTx)
    } else {
      for (const [rk, state] of txRecords) batchRecords.set(rk, state)
      for (const entry of settled) emitSettled(out, entry, clock)
    }
    writerState(first.writer).watermark = (txChanges[txChanges.length - 1] as Change).n
  }

  for (const state of batchRecords.values()) if (state) out.records.push(state)
  for (const [id, closedBy] of closedNow) out.closed.push({ id, closedBy })
  for (const state of writers.values()) {
    out.writers.push(state)
    out.ack.through[state.writer] = state.watermark
  }
  out.ack.seq = out.head + out.commits.length
  return { ok: true, decision: out }
}

/** `decideChange`, except that the `decideWithoutPrev` fault settles what lacks `prev` anyway. */
function decideWithPrev(input: DecideChangeInput, faults: DeciderFaults | undefined): ChangeDecision | PrevRequired {
  const decision = decideChange(input)
  if (decision.kind !== 'prevRequired' || !faults?.decideWithoutPrev) return decision
  return decideChange({ ...input, change: withPrev(input.change) })
}

/** Splits a batch (already checked for boundaries) into its transactions, in order. */
function groupTransactions(changes: readonly Change[]): Change[][] {
  const groups: Change[][] = []
  let current: Change[] = []
  for (const change of changes) {
    const last = current[current.length - 1]
    if (last && (last.writer !== change.writer || last.tx !== change.tx)) {
      groups.push(current)
      current = []
    }
    current.push(change)
  }
  if (current.length) groups.push(current)
  return groups
}

/** The hub never refuses a change for its clock: one too far ahead gets the hub's own HLC. */
function normalizeHlc(change: Change, clock: HlcClock): Change {
  return clock.follow(change.hlc) ? { ...change, hlc: clock.now() } : change
}

/** Schema and size of every record the transaction leaves live; async validators are deferred. */
function checkTxRecords(
  schema: Schema,
  records: Map<string, HubRecordState | undefined>,
  limits: { recordBytes: number },
  tx: string,
  pending: PendingValidation[],
): { code: string; message: string; at: number } | undefined {
  for (const state of records.values()) {
    if (!state || state.deleted) continue
    if (jsonBytes(state.value) > limits.recordBytes) {
      return { code: 'payload_too_large', message: `${state.col}/${state.key} would exceed ${limits.recordBytes} bytes`, at: 0 }
    }
    const validator = schema.collection(state.col).validator
    if (!validator) continue
    let result: ReturnType<StandardSchemaV1['~standard']['validate']>
    try {
      result = validator['~standard'].validate(state.value)
    } catch (error) {
      // A validator that throws on some record must refuse that transaction, not fail every retry of the batch.
      const reason = error instanceof Error ? error.message : String(error)
      return { code: 'validation_failed', message: `${state.col}/${state.key}: the validator threw: ${reason}`, at: 0 }
    }
    if (result instanceof Promise) {
      pending.push({ tx, col: state.col, key: state.key, result })
      continue
    }
    if (result.issues) {
      const issue = result.issues[0]
      return { code: 'validation_failed', message: `${state.col}/${state.key}: ${issue?.message ?? 'invalid'}`, at: 0 }
    }
  }
  return undefined
}

function emitSettled(out: BatchDecision, entry: Settled, clock: HlcClock): void {
  const { change, seq, decision } = entry
  const commit: Commit = {
    seq,
    pv: entry.pv,
    col: change.col,
    key: change.key,
    ...(entry.body ?? { hlc: {} }),
    by: change.replica,
    writer: change.writer,
    through: change.n,
    tx: change.tx,
  }
  if (decision.kind === 'write' && decision.resolves !== undefined) commit.resolved = [decision.resolves]
  const after = decision.kind === 'write' ? entry.after : entry.before
  const afterValue = after && !after.deleted ? after.value : undefined
  if (decision.conflict) {
    const record = toConflictRecord(decision.conflict, change, seq, afterValue, false, 'conflict', clock.peek())
    commit.conflict = record
    out.conflicts.push(record)
  }
  out.commits.push(commit)
  if (decision.kind === 'write') {
    const before = entry.before && !entry.before.deleted ? entry.before.value : undefined
    out.effects.push({ tx: txKey(change.writer, change.tx), change, before, after: afterValue })
  }
}

function emitRejection(
  out: BatchDecision,
  changes: readonly Change[],
  refusal: { code: string; message: string; at: number; conflict?: ConflictDraft },
  batchRecords: Map<string, HubRecordState | undefined>,
  view: DeciderView,
  clock: HlcClock,
): void {
  let seq = out.head + out.commits.length
  changes.forEach((change, index) => {
    seq += 1
    const rk = recordKey(change.col, change.key)
    const state = batchRecords.has(rk) ? batchRecords.get(rk) : view.record(change.col, change.key)
    const commit: Commit = {
      seq,
      pv: state?.version ?? 0,
      col: change.col,
      key: change.key,
      hlc: {},
      by: change.replica,
      writer: change.writer,
      through: change.n,
      tx: change.tx,
      rejected: refusal.code,
    }
    if (index === refusal.at) {
      const remote = state && !state.deleted ? state.value : undefined
      const draft: ConflictDraft = refusal.conflict ?? { policy: 'hub', fields: [], base: {}, local: change.op === 'delete' ? undefined : { ...(change.set ?? {}) }, remote }
      const record = toConflictRecord(draft, change, seq, remote, true, refusal.code, clock.peek())
      if (refusal.code !== 'conflict' && refusal.code !== 'policy_error') record.private = true
      if (PRIVATE_CODES.has(refusal.code)) record.private = true
      commit.conflict = record
      out.conflicts.push(record)
    }
    out.commits.push(commit)
  })
}

function toConflictRecord(
  draft: ConflictDraft,
  change: Change,
  seq: number,
  result: RecordValue | undefined,
  rejected: boolean,
  code: string,
  at: string,
): ConflictRecord {
  const record: ConflictRecord = {
    id: seq,
    col: change.col,
    key: change.key,
    policy: draft.policy,
    fields: draft.fields,
    base: draft.base,
    local: draft.local,
    remote: draft.remote,
    result,
    rejected,
    code,
    tx: change.tx,
    writer: change.writer,
    by: change.replica,
    at,
  }
  if (draft.open && !rejected) record.open = true
  return record
}
