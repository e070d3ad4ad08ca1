import { canonicalJson, type ConflictRecord, type CustomMergeInput, type FieldValues, type Schema } from '@accord/core'
import type { MemoryHubStore } from './memory-hub-store.js'
import type { SettledChange } from './sim-hub.js'
import type { SimReplica } from './sim-replica.js'

/** What the simulation recorded on the side, independent of the replicas' and hub's own state. */
export interface Ledger {
  /** Every change the hub settled, with its refusal code if its transaction was refused. */
  settled: SettledChange[]
  /** Marks of local writes that resolved (durable on their replica). */
  durableMarks: Set<string>
  /** Marks of writes that may be refused locally (oversize transactions). */
  droppableMarks: Set<string>
  /** Sum of the increments each counter record received. */
  counterSums: Map<string, number>
  /** A backup was restored over the hub's store: history was lost on purpose. */
  restored: boolean
  /** The `prev` each marked change was written with, as its outbox holds it (absent: none seen). */
  prevs: Map<string, FieldValues | undefined>
  /** Every input a custom merge was called with (when the simulation can observe its schema's). */
  merges: CustomMergeInput[]
}

export interface InvariantInput {
  schema: Schema
  store: MemoryHubStore
  space: string
  replicas: SimReplica[]
  ledger: Ledger
  /** The counter the ledger summed, if the workload has one. */
  counter?: { col: string; field: string } | undefined
}

/** The invariants of DESIGN §8, as a list of violations (empty when all hold). */
export function checkInvariants({ schema, store, space, replicas, ledger, counter }: InvariantInput): string[] {
  const failures: string[] = []
  const hubRecords = new Map(store.liveRecords(space).map((r) => [`${r.col}\u0000${r.key}`, r.value]))

  // Every replica equals the hub (canonical JSON keeps array order, so set order counts too).
  for (const r of replicas) {
    const mine = r.store.data.visible
    for (const [k, value] of hubRecords) {
      if (canonicalJson(mine.get(k)) !== canonicalJson(value)) {
        failures.push(`${r.name} differs from the hub at ${k.replace('\u0000', '/')}: ${JSON.stringify(mine.get(k))} vs hub ${JSON.stringify(value)}`)
      }
    }
    for (const k of mine.keys()) if (!hubRecords.has(k)) failures.push(`${r.name} has ${k.replace('\u0000', '/')} which the hub does not`)
    if (r.store.data.outbox.size) failures.push(`${r.name} still has ${r.store.data.outbox.size} pending changes`)
  }

  const applied = new Set<string>()
  const rejected = new Set<string>()
  for (const s of ledger.settled) {
    const mark = s.change.set?.['mark']
    if (typeof mark === 'string') (s.rejected ? rejected : applied).add(mark)
  }

  if (!ledger.restored) {
    // No acknowledged write lost: every durable write was settled by the hub.
    for (const m of ledger.durableMarks) if (!applied.has(m) && !rejected.has(m)) failures.push(`durable write ${m} was never settled by the hub`)
    // Counters equal the sum of their increments.
    for (const [key, sum] of ledger.counterSums) {
      const value = counter ? hubRecords.get(`${counter.col}\u0000${key}`)?.[counter.field] : undefined
      if (value !== sum) failures.push(`counter ${key} is ${String(value)}, expected the sum of increments ${sum}`)
    }
    // A refused transaction leaves no trace.
    const text = [...hubRecords.values()].map((v) => JSON.stringify(v)).join('\n')
    for (const m of rejected) {
      if (!applied.has(m) && new RegExp(`"${m}"`).test(text)) failures.push(`refused write ${m} left a trace in the hub's records`)
    }
  }

  // Each ConflictRecord names the policy that decided it; replicas hold only what the hub holds.
  const hubConflicts = new Map(store.conflictsOf(space).map((c) => [c.id, c]))
  for (const c of hubConflicts.values()) {
    const expected = schema.collection(c.col).policy.kind
    if (c.policy !== expected && !(c.policy === 'hub' && c.rejected)) failures.push(`conflict ${c.id} names policy ${c.policy}, collection ${c.col} uses ${expected}`)
  }
  if (!ledger.restored) {
    const purgedThrough = store.purgedThrough(space)
    for (const r of replicas) {
      for (const c of r.store.data.conflicts.values()) {
        const hub = hubConflicts.get(c.id)
        if (!hub && c.id <= purgedThrough && !c.open) continue // purged on the hub, kept by the replica until dismissed
        if (!hub) failures.push(`${r.name} holds conflict ${c.id} the hub does not`)
        else if (!sameConflict(hub, c)) failures.push(`${r.name} conflict ${c.id} differs from the hub's`)
      }
    }
  }
  failures.push(...checkBases(hubConflicts.values(), ledger))
  return failures
}

/**
 * The base of every conflict and of every custom merge is the writer's `prev` for the conflicting
 * fields, whether or not the change first travelled without it (prev on demand).
 */
function checkBases(conflicts: Iterable<ConflictRecord>, ledger: Ledger): string[] {
  const failures: string[] = []
  const expected = (local: { [f: string]: unknown } | undefined, fields: readonly string[]): string | undefined => {
    const mark = local?.['mark']
    if (typeof mark !== 'string' || !ledger.prevs.has(mark)) return undefined
    const prev = ledger.prevs.get(mark) ?? {}
    return canonicalJson(Object.fromEntries(fields.filter((f) => prev[f] !== undefined).map((f) => [f, prev[f]])))
  }
  for (const c of conflicts) {
    const want = c.policy === 'hub' ? undefined : expected(c.local, c.fields)
    if (want !== undefined && canonicalJson(c.base) !== want) failures.push(`conflict ${c.id} has base ${JSON.stringify(c.base)}, its writer saw ${want}`)
  }
  for (const m of ledger.merges) {
    const want = expected(m.local, m.fields)
    if (want !== undefined && canonicalJson(m.base) !== want) failures.push(`a custom merge of ${m.meta.col}/${m.meta.key} got base ${JSON.stringify(m.base)}, its writer saw ${want}`)
  }
  return failures
}

function sameConflict(a: ConflictRecord, b: ConflictRecord): boolean {
  return a.policy === b.policy && a.col === b.col && a.key === b.key && a.rejected === b.rejected && (a.closedBy ?? 0) >= (b.closedBy ?? 0)
}
