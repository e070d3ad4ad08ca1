/**
 * fast-check generators of valid logical pushes and broadcasts for the codec's property tests:
 * realistic runs (consecutive n, ord and tx, the connection's replica as HLC node) perturbed at
 * random (writer switches, gaps, foreign nodes, every optional part), with unicode field names.
 */
import fc from 'fast-check'
import { encodeHlc } from '../src/clock/hlc.js'
import type { Change, Commit, ConflictRecord } from '../src/model/change.js'
import type { JsonValue } from '../src/model/json.js'
import { PROTOCOL_VERSION, type PulledRecord, type PullPage } from '../src/protocol/messages.js'

export const REPLICA = '8c4ff808-aaa9-47d3-a934-a82548c9cdc9'
export const DECLARED = ['565a1f29-641c-43dd-9296-e8b9e10f53f0', 'w-older']
export const EPOCH = 1_764_150_000_000

const field = fc.oneof(fc.constantFrom('title', 'votes', 'tags', 'é', '名前', '😀x', '1', '0', 'constructor', 'a.b'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }))
  .filter((f) => f !== '__proto__')
const json: fc.Arbitrary<JsonValue> = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)) as JsonValue)
const values = fc.dictionary(field, json, { maxKeys: 3 })
const fieldList = fc.uniqueArray(field, { maxLength: 3 })
const numbers = fc.dictionary(field, fc.integer({ min: -1000, max: 1000 }), { minKeys: 1, maxKeys: 2 })
const elements = fc.dictionary(field, fc.array(json, { maxLength: 3 }), { minKeys: 1, maxKeys: 2 })
const node = fc.constantFrom(REPLICA, REPLICA, REPLICA, 'hub', 'other-replica')
const writerPick = fc.constantFrom(...DECLARED, 'w-moved-1', 'w-moved-2')

interface Step {
  writer: string
  gapN: boolean
  newTx: boolean
  gapOrd: boolean
  wallStep: number
  counter: number
  node: string
  op: Change['op']
  set: Record<string, JsonValue> | undefined
  unset: string[] | undefined
  prevMode: 'none' | 'aligned' | 'object'
  prevObject: Record<string, JsonValue>
  inc: Record<string, number> | undefined
  add: Record<string, JsonValue[]> | undefined
  remove: Record<string, JsonValue[]> | undefined
  fieldBase: Record<string, number> | undefined
  resolves: number | undefined
  base: number
  txEnd: boolean
  replica: string
}

const step: fc.Arbitrary<Step> = fc.record({
  writer: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: writerPick }),
  gapN: fc.integer({ min: 0, max: 4 }).map((i) => i === 0),
  newTx: fc.boolean(),
  gapOrd: fc.integer({ min: 0, max: 9 }).map((i) => i === 0),
  wallStep: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: -90_000_000, max: 90_000_000 })),
  counter: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xffff })),
  node,
  op: fc.constantFrom('put', 'patch', 'patch', 'delete'),
  set: fc.option(values, { nil: undefined }),
  unset: fc.option(fieldList, { nil: undefined }),
  prevMode: fc.constantFrom('none', 'aligned', 'aligned', 'object'),
  prevObject: values,
  inc: fc.option(numbers, { nil: undefined }),
  add: fc.option(elements, { nil: undefined }),
  remove: fc.option(elements, { nil: undefined }),
  fieldBase: fc.option(fc.dictionary(field, fc.nat(1000), { minKeys: 1, maxKeys: 2 }), { nil: undefined }),
  resolves: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: undefined }),
  base: fc.oneof(fc.constant(0), fc.nat(1_000_000)),
  txEnd: fc.boolean(),
  replica: fc.constantFrom(REPLICA, REPLICA, REPLICA, REPLICA, 'someone-else'),
})

/** A push of 0..40 valid changes (valid as shapes: the decider's order rules are not the codec's business). */
export const pushArb: fc.Arbitrary<Change[]> = fc.tuple(fc.array(step, { maxLength: 40 }), fc.integer({ min: 1, max: 100_000 })).map(([steps, start]) => {
  const next = new Map<string, { n: number; tx: number }>()
  let writer = DECLARED[0] as string
  let ord = start
  let wall = EPOCH + 1000
  return steps.map((s) => {
    if (s.writer !== '') writer = s.writer
    const run = next.get(writer) ?? { n: start, tx: Math.max(1, start - 3) }
    const n = run.n + (s.gapN ? 7 : 0)
    ord += s.gapOrd ? 11 : 1
    wall = Math.max(0, wall + s.wallStep)
    const set = s.op === 'put' ? (s.set ?? {}) : s.op === 'delete' ? undefined : s.set
    const change: Change = { writer, n, replica: s.replica, tx: run.tx, col: 'items', key: `k-${n % 7}-☃`, hlc: encodeHlc({ wall, counter: s.counter, node: s.node === REPLICA ? s.replica : s.node }), op: s.op, ord, base: s.base }
    if (s.txEnd) change.txEnd = true
    if (set !== undefined) change.set = set
    if (s.unset !== undefined) change.unset = s.unset
    if (s.prevMode === 'aligned') change.prev = Object.fromEntries([...Object.keys(set ?? {}), ...(s.unset ?? [])].map((f, i) => [f, i % 2 ? null : `old ${f}`]))
    if (s.prevMode === 'object') change.prev = s.prevObject
    if (s.inc !== undefined) change.inc = s.inc
    if (s.add !== undefined) change.add = s.add
    if (s.remove !== undefined) change.remove = s.remove
    if (s.fieldBase !== undefined) change.fieldBase = s.fieldBase
    if (s.resolves !== undefined) change.resolves = s.resolves
    next.set(writer, { n: n + 1, tx: s.txEnd ? run.tx + 1 : run.tx })
    return change
  })
})

const conflictArb: fc.Arbitrary<ConflictRecord> = fc.record({
  id: fc.integer({ min: 1, max: 1000 }),
  col: fc.constant('items'),
  key: fc.string({ minLength: 1, maxLength: 5 }),
  policy: fc.constantFrom('fieldMerge', 'manual', 'hub'),
  fields: fieldList,
  base: values,
  local: fc.option(values, { nil: undefined }),
  remote: fc.option(values, { nil: undefined }),
  result: fc.option(values, { nil: undefined }),
  rejected: fc.boolean(),
  code: fc.constantFrom('conflict', 'unauthorized', 'validation_failed'),
  tx: fc.integer({ min: 1, max: 99 }),
  writer: writerPick,
  by: fc.constant(REPLICA),
  at: fc.constant(encodeHlc({ wall: EPOCH, counter: 3, node: 'hub' })),
  open: fc.option(fc.constant(true as const), { nil: undefined }),
  private: fc.option(fc.constant(true as const), { nil: undefined }),
})

interface CommitStep {
  gapSeq: boolean
  back: number
  author: 'same' | 'sameTx' | 'new' | 'none'
  by: string
  writer: string
  set: Record<string, JsonValue> | undefined
  unset: string[] | undefined
  del: boolean
  hlcMode: 'uniform' | 'mixed' | 'none'
  node: string
  wallStep: number
  counter: number
  rejected: string | undefined
  conflict: ConflictRecord | undefined
  resolved: number[] | undefined
}

const commitStep: fc.Arbitrary<CommitStep> = fc.record({
  gapSeq: fc.integer({ min: 0, max: 9 }).map((i) => i === 0),
  back: fc.oneof(fc.integer({ min: 1, max: 5 }), fc.nat(1_000_000)),
  author: fc.constantFrom('same', 'same', 'sameTx', 'new', 'none'),
  by: fc.constantFrom(REPLICA, 'other-replica'),
  writer: writerPick,
  set: fc.option(values, { nil: undefined }),
  unset: fc.option(fieldList, { nil: undefined }),
  del: fc.integer({ min: 0, max: 9 }).map((i) => i === 0),
  hlcMode: fc.constantFrom('uniform', 'uniform', 'mixed', 'none'),
  node: node,
  wallStep: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: -90_000_000, max: 90_000_000 })),
  counter: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xffff })),
  rejected: fc.option(fc.constantFrom('conflict', 'unauthorized'), { nil: undefined }),
  conflict: fc.option(conflictArb, { nil: undefined }),
  resolved: fc.option(fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 3 }), { nil: undefined }),
})

/** A broadcast of 0..40 commits: consecutive seqs and author runs, perturbed. */
export const commitsArb: fc.Arbitrary<Commit[]> = fc.tuple(fc.array(commitStep, { maxLength: 40 }), fc.integer({ min: 1, max: 1_000_000 })).map(([steps, start]) => {
  let seq = start - 1
  let wall = EPOCH
  let author: { by: string; writer: string; through: number; tx: number } | undefined
  return steps.map((s) => {
    seq += s.gapSeq ? 5 : 1
    wall = Math.max(0, wall + s.wallStep)
    const commit: Commit = { seq, pv: Math.max(0, seq - s.back), col: 'items', key: `k${seq % 5}`, hlc: {} }
    if (s.set !== undefined) commit.set = s.set
    if (s.unset !== undefined) commit.unset = s.unset
    if (s.del) commit.del = true
    if (s.author !== 'none') {
      author = s.author === 'new' || author === undefined ? { by: s.by, writer: s.writer, through: seq % 97 + 1, tx: seq % 13 + 1 } : { ...author, through: author.through + 1, tx: s.author === 'sameTx' ? author.tx : author.tx + 1 }
      Object.assign(commit, author)
    } else author = undefined
    const fields = [...Object.keys(s.set ?? {}), ...(s.unset ?? [])]
    const hlc = encodeHlc({ wall, counter: s.counter, node: s.node === REPLICA ? (commit.by ?? REPLICA) : s.node })
    if (s.hlcMode === 'uniform') commit.hlc = Object.fromEntries(fields.map((f) => [f, hlc]))
    if (s.hlcMode === 'mixed') commit.hlc = Object.fromEntries([...fields, 'zz'].map((f, i) => [f, i === 0 ? hlc : encodeHlc({ wall: wall + i, counter: 0, node: 'hub' })]))
    if (s.rejected !== undefined) commit.rejected = s.rejected
    if (s.conflict !== undefined) commit.conflict = s.conflict
    if (s.resolved !== undefined) commit.resolved = s.resolved
    return commit
  })
})

const pulledArb = fc.record({
  step: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.nat(100_000)),
  key: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
  kind: fc.constantFrom('value', 'value', 'tombstone', 'neither', 'both'),
  value: values,
  node: fc.constantFrom(REPLICA, 'other-replica', 'hub', 'r-3'),
  wallStep: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 }), fc.integer({ min: -90_000_000, max: 90_000_000 })),
  counter: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0xffff })),
})

/** A pull page: versions ascending, HLCs of a few nodes, tombstones, conflicts, watermarks. */
export const pageArb: fc.Arbitrary<PullPage> = fc
  .record({
    records: fc.array(pulledArb, { maxLength: 30 }),
    conflicts: fc.array(conflictArb, { maxLength: 3 }),
    watermarks: fc.dictionary(writerPick, fc.nat(10_000), { maxKeys: 3 }),
    until: fc.nat(1_000_000),
    head: fc.nat(1_000_000),
    more: fc.boolean(),
    purgedThrough: fc.option(fc.nat(1000), { nil: undefined }),
  })
  .map(({ records, ...rest }) => {
    let version = 0
    let wall = EPOCH
    const page: PullPage = {
      v: PROTOCOL_VERSION,
      ...rest,
      records: records.map((r) => {
        version += r.step
        wall = Math.max(0, wall + r.wallStep)
        const pulled: PulledRecord = { col: 'items', key: r.key, version, hlc: encodeHlc({ wall, counter: r.counter, node: r.node }) }
        if (r.kind === 'value' || r.kind === 'both') pulled.value = r.value
        if (r.kind === 'tombstone' || r.kind === 'both') pulled.deleted = true
        return pulled
      }),
    }
    if (rest.purgedThrough === undefined) delete page.purgedThrough
    return page
  })
