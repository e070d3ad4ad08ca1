/**
 * Test helpers for the decider: an in-memory DeciderView that applies BatchDecisions, writers that
 * number their changes like a replica does, and a harness that checks the settling invariants of
 * every batch it pushes (one commit per new change, contiguous seqs, ack consistent with commits).
 */
import { HlcClock, decideBatch, defineSchema, encodeHlc } from '@accord/core'
import type {
  BatchDecision,
  Change,
  ChangeOp,
  CollectionDef,
  ConflictRecord,
  DecideBatchInput,
  DecideBatchResult,
  DeciderView,
  FieldValues,
  HubRecordState,
  JsonValue,
  RecordValue,
  Schema,
  WriterState,
} from '@accord/core'
import { recordKey, withPrev, withoutPrev } from '@accord/core/internal'

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T

/** A space held in Maps; `apply` writes a decision the way a HubStore would (atomically, in order). */
export class MemoryView implements DeciderView {
  head = 0
  readonly records = new Map<string, HubRecordState>()
  readonly writers = new Map<string, WriterState>()
  readonly conflicts = new Map<number, ConflictRecord>()

  record(col: string, key: string): HubRecordState | undefined {
    return this.records.get(recordKey(col, key))
  }
  writer(writer: string): WriterState | undefined {
    return this.writers.get(writer)
  }
  conflict(id: number): ConflictRecord | undefined {
    return this.conflicts.get(id)
  }

  apply(decision: BatchDecision): void {
    if (decision.head !== this.head) throw new Error(`decision made on head ${decision.head}, view is at ${this.head}`)
    for (const state of decision.records) this.records.set(recordKey(state.col, state.key), copy(state))
    for (const state of decision.writers) this.writers.set(state.writer, { ...state })
    for (const conflict of decision.conflicts) this.conflicts.set(conflict.id, copy(conflict))
    for (const { id, closedBy } of decision.closed) {
      const found = this.conflicts.get(id)
      if (found) this.conflicts.set(id, { ...found, closedBy })
    }
    this.head += decision.commits.length
  }

  /** The live value of a record, undefined when absent or deleted. */
  value(col: string, key: string): RecordValue | undefined {
    const state = this.record(col, key)
    return state && !state.deleted ? state.value : undefined
  }

  /** The record's version (0 when absent): what a replica that saw everything sends as `base`. */
  version(col: string, key: string): number {
    return this.record(col, key)?.version ?? 0
  }
}

/** The parts of a change a test chooses; the writer fills in n, tx, ord, replica and hlc. */
export interface ChangeSpec {
  op: ChangeOp
  key: string
  col?: string
  base?: number
  set?: FieldValues
  unset?: string[]
  prev?: FieldValues
  inc?: { [field: string]: number }
  add?: { [field: string]: JsonValue[] }
  remove?: { [field: string]: JsonValue[] }
  fieldBase?: { [field: string]: number }
  resolves?: number
  /**
   * Sent without `prev` (prev on demand). Otherwise a put or patch carries `prev`, `{}` when the
   * spec gives none, as a replica sends a change it expects to conflict.
   */
  lean?: true
  /** Wall ms of the change's HLC (default: the shared test time). */
  at?: number
  hlc?: string
}

/** A replica's writer: numbers its changes (n, tx, ord) contiguously, as the outbox does. */
export class TestWriter {
  private n = 0
  private tx = 0
  private counter = 0

  constructor(
    readonly replica: string,
    readonly id: string,
    private readonly time: { now: number },
    private readonly defaultCol: string,
  ) {}

  /** One change as its own transaction. */
  change(spec: ChangeSpec): Change {
    return this.transaction([spec])[0] as Change
  }

  /** Several changes as one local transaction (same tx, txEnd on the last). */
  transaction(specs: ChangeSpec[]): Change[] {
    this.tx += 1
    return specs.map((spec, i) => {
      this.n += 1
      const { at, hlc, col, base, lean, ...fields } = spec
      const change: Change = {
        writer: this.id,
        n: this.n,
        replica: this.replica,
        tx: this.tx,
        col: col ?? this.defaultCol,
        hlc: hlc ?? encodeHlc({ wall: at ?? this.time.now, counter: this.counter++, node: this.replica }),
        ord: this.n,
        base: base ?? 0,
        ...fields,
      }
      if (i === specs.length - 1) change.txEnd = true
      return lean ? withoutPrev(change) : withPrev(change)
    })
  }

  put(key: string, set: FieldValues, extra: Partial<ChangeSpec> = {}): Change {
    return this.change({ op: 'put', key, set: { id: key, ...set }, ...extra })
  }
  patch(key: string, set: FieldValues, extra: Partial<ChangeSpec> = {}): Change {
    return this.change({ op: 'patch', key, set, ...extra })
  }
  del(key: string, extra: Partial<ChangeSpec> = {}): Change {
    return this.change({ op: 'delete', key, ...extra })
  }
}

/** A pushing connection: its replica and the writers it holds. */
export interface TestConnection {
  replica: string
  writers: ReadonlySet<string>
}

export function connectionOf(...writers: TestWriter[]): TestConnection {
  const replica = writers[0]?.replica ?? 'r?'
  return { replica, writers: new Set(writers.map((w) => w.id)) }
}

export interface HarnessOptions {
  recordBytes?: number
  maxDriftMs?: number
  /** Default collection of the writers' changes. */
  col?: string
}

/** A hub in memory: schema, view, clock at a settable time, and writers sharing that time. */
export function createHarness(collections: { [name: string]: CollectionDef }, options: HarnessOptions = {}) {
  const schema: Schema = defineSchema({ version: 1, collections })
  const view = new MemoryView()
  const time = { now: 1_000_000 }
  const clock = new HlcClock({ node: 'hub', now: () => time.now, maxDriftMs: options.maxDriftMs ?? 60_000 })
  const limits = { recordBytes: options.recordBytes ?? 256_000 }
  const defaultCol = options.col ?? Object.keys(collections)[0] ?? 'items'

  const decide = (connection: TestConnection, changes: readonly Change[], extra: Partial<DecideBatchInput> = {}): DecideBatchResult =>
    decideBatch({ schema, view, changes, connection, clock, limits, ...extra })

  /** Decides, checks the settling invariants, applies; fails the test on a batch error. */
  const push = (connection: TestConnection, changes: readonly Change[], extra: Partial<DecideBatchInput> = {}): BatchDecision => {
    const result = decide(connection, changes, extra)
    if (!result.ok) throw new Error(`batch refused: ${result.error.code}: ${result.error.message}`)
    checkSettling(view, changes, result.decision)
    view.apply(result.decision)
    return result.decision
  }

  return {
    schema,
    view,
    time,
    clock,
    decide,
    push,
    writer: (replica: string, id: string) => new TestWriter(replica, id, time, defaultCol),
  }
}

/** DESIGN §3 rule 4: one commit per change above its writer's watermark, seqs contiguous from head + 1. */
export function checkSettling(view: DeciderView, changes: readonly Change[], decision: BatchDecision): void {
  const fresh = changes.filter((c) => c.n > (view.writer(c.writer)?.watermark ?? 0))
  const fail = (message: string): never => {
    throw new Error(`settling invariant: ${message}`)
  }
  if (decision.commits.length !== fresh.length) fail(`${fresh.length} new changes but ${decision.commits.length} commits`)
  decision.commits.forEach((commit, i) => {
    const change = fresh[i] as Change
    if (commit.seq !== view.head + i + 1) fail(`commit ${i} has seq ${commit.seq}, expected ${view.head + i + 1}`)
    if (commit.writer !== change.writer || commit.through !== change.n || commit.by !== change.replica) fail(`commit ${commit.seq} does not settle ${change.writer}#${change.n}`)
  })
  if (decision.ack.seq !== view.head + decision.commits.length) fail(`ack.seq ${decision.ack.seq}`)
  for (const change of changes) {
    if ((decision.ack.through[change.writer] ?? 0) < change.n) fail(`ack.through misses ${change.writer}#${change.n}`)
  }
}
