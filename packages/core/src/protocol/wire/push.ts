/**
 * The compact form of a push (`wire: 2`): a JSON array with one positional tuple per change,
 *
 *   [flags, col, key, base, hlc, ...extras]
 *
 * where `extras` are the optional parts whose flag bit is set, in bit order (see `PUSH_FLAGS`).
 * What both ends of the connection already know is left out: the replica (the connection's), the
 * writer (an index into the handshake's declared writers, or a new id, only where it changes),
 * `n` (the writer's previous `n` + 1), `tx` (the writer's previous `tx`, + 1 after a `txEnd`),
 * `ord` (the previous change's + 1; the first change's `n`), the HLC's node (the replica) and most
 * of its wall (see clock.ts: the first change's wall is relative to the welcome's `hubTime`).
 * `prev` whose fields are exactly the written ones (`set`'s keys, then `unset`) travels as an array
 * of values in that order. The decoder rebuilds the logical `PushRequest`, which the hub then
 * validates like any other.
 */
import type { Change } from '../../model/change.js'
import { PROTOCOL_VERSION, type PushRequest } from '../messages.js'
import type { ValidationResult } from '../validate.js'
import { decodeClock, encodeClock, type ClockRef } from './clock.js'
import { decodeWith, definedKeys, isPlainRecord, Tuple, wireFail } from './reader.js'

/** What both ends of one connection know, from its handshake and `welcome`. */
export interface WirePushContext {
  /** The connection's replica id. */
  replica: string
  /** The writers the handshake declared, in order. */
  writers: readonly string[]
  /** The `hubTime` of the connection's `welcome`: the reference of the first HLC's wall. */
  epoch: number
}

/** A compact push: an array of change tuples (the logical form is an object). */
export type WirePush = unknown[]

/** Flag bits of a change tuple; the extras they announce follow in this order. */
export const PUSH_FLAGS = {
  SET: 1,
  PREV: 2,
  PUT: 4,
  DELETE: 8,
  /** The change does not end its transaction (no `txEnd`). */
  TX_OPEN: 16,
  UNSET: 32,
  INC: 64,
  ADD: 128,
  REMOVE: 256,
  FIELD_BASE: 512,
  RESOLVES: 1024,
  /** The writer changes: an index into the writer table, or a new writer id (appended to it). */
  WRITER: 2048,
  N: 4096,
  TX: 8192,
  ORD: 16384,
  /** A replica other than the connection's (refused by the hub as `foreign_writer`, but encodable). */
  REPLICA: 32768,
} as const
const F = PUSH_FLAGS
const OP_BITS = F.PUT | F.DELETE
const ALL_FLAGS = 2 * F.REPLICA - 1

interface WriterRun {
  n: number
  tx: number
  txEnd: boolean
}

/** The fields a change writes, in wire order: `set`'s keys, then `unset`. */
function writtenFields(set: Record<string, unknown> | undefined, unset: readonly unknown[] | undefined): unknown[] {
  return [...definedKeys(set), ...(unset ?? [])]
}

/** `prev` as an array aligned with the written fields, when its keys are exactly those. */
function alignedPrev(change: Change): unknown[] | undefined {
  const prev = change.prev as Record<string, unknown>
  const fields = writtenFields(change.set, change.unset)
  const keys = definedKeys(prev)
  if (keys.length !== fields.length || new Set(fields).size !== fields.length) return undefined
  if (!keys.every((k) => fields.includes(k))) return undefined
  return fields.map((f) => prev[f as string])
}

export function encodeWirePush(request: PushRequest, ctx: WirePushContext): WirePush {
  const table = [...ctx.writers]
  let writer: string | undefined = table[0]
  const runs = new Map<string, WriterRun>()
  let lastOrd: number | undefined
  const clock: ClockRef = { wall: ctx.epoch }
  const out: unknown[] = []
  for (const c of request.changes) {
    let flags = 0
    const extras: unknown[] = []
    const add = (bit: number, value: unknown): void => {
      flags |= bit
      extras.push(value)
    }
    if (c.set !== undefined) add(F.SET, c.set)
    if (c.prev !== undefined) add(F.PREV, alignedPrev(c) ?? c.prev)
    if (c.op === 'put') flags |= F.PUT
    else if (c.op === 'delete') flags |= F.DELETE
    if (c.txEnd !== true) flags |= F.TX_OPEN
    if (c.unset !== undefined) add(F.UNSET, c.unset)
    if (c.inc !== undefined) add(F.INC, c.inc)
    if (c.add !== undefined) add(F.ADD, c.add)
    if (c.remove !== undefined) add(F.REMOVE, c.remove)
    if (c.fieldBase !== undefined) add(F.FIELD_BASE, c.fieldBase)
    if (c.resolves !== undefined) add(F.RESOLVES, c.resolves)
    if (c.writer !== writer) {
      const index = table.indexOf(c.writer)
      if (index < 0) table.push(c.writer)
      add(F.WRITER, index < 0 ? c.writer : index)
      writer = c.writer
    }
    const run = runs.get(c.writer)
    if (run === undefined || c.n !== run.n + 1) add(F.N, c.n)
    if (run === undefined || c.tx !== (run.txEnd ? run.tx + 1 : run.tx)) add(F.TX, c.tx)
    if (c.ord !== (lastOrd === undefined ? c.n : lastOrd + 1)) add(F.ORD, c.ord)
    if (c.replica !== ctx.replica) add(F.REPLICA, c.replica)
    out.push([flags, c.col, c.key, c.base, encodeClock(c.hlc, c.replica, clock), ...extras])
    runs.set(c.writer, { n: c.n, tx: c.tx, txEnd: c.txEnd === true })
    lastOrd = c.ord
  }
  return out
}

/**
 * Rebuilds the logical push from its compact form. Only what the decoding itself needs is checked
 * here (tuple shapes, flags, indices, the implied counters); ids, keys, values and limits are left
 * to `validatePushRequest`, which the caller runs on the result. Never throws.
 */
export function decodeWirePush(input: unknown, ctx: WirePushContext): ValidationResult<PushRequest> {
  return decodeWith(() => {
    const list = Tuple.of(input, 'push')
    const items = input as unknown[]
    const table = [...ctx.writers]
    let writer: string | undefined = table[0]
    const runs = new Map<string, WriterRun>()
    let lastOrd: number | undefined
    const clock: ClockRef = { wall: ctx.epoch }
    const changes: Change[] = []
    for (let i = 0; i < items.length; i++) {
      const t = Tuple.of(list.next(), `push[${i}]`, 5)
      const flagsAt = t.where
      const flags = t.int()
      if (flags < 0 || flags > ALL_FLAGS || (flags & OP_BITS) === OP_BITS) wireFail(flagsAt, 'unknown flags')
      const col = t.next() as string
      const key = t.next() as string
      const base = t.next() as number
      const hlcAt = t.where
      const token = t.next()
      const has = (bit: number): boolean => (flags & bit) !== 0
      const set = has(F.SET) ? t.next() : undefined
      const prevAt = t.where
      const prev = has(F.PREV) ? t.next() : undefined
      const unset = has(F.UNSET) ? t.next() : undefined
      const inc = has(F.INC) ? t.next() : undefined
      const addSet = has(F.ADD) ? t.next() : undefined
      const remove = has(F.REMOVE) ? t.next() : undefined
      const fieldBase = has(F.FIELD_BASE) ? t.next() : undefined
      const resolves = has(F.RESOLVES) ? t.next() : undefined
      if (has(F.WRITER)) {
        const at = t.where
        const ref = t.next()
        if (typeof ref === 'string') {
          table.push(ref)
          writer = ref
        } else {
          if (!Number.isSafeInteger(ref) || (ref as number) < 0 || (ref as number) >= table.length) wireFail(at, 'expected a writer index or a writer id')
          writer = table[ref as number]
        }
      }
      if (writer === undefined) wireFail(`push[${i}]`, 'no writer: the first change must name one')
      const run = runs.get(writer)
      const n = has(F.N) ? t.int() : run ? run.n + 1 : wireFail(`push[${i}]`, 'the first change of a writer must carry n')
      const tx = has(F.TX) ? t.int() : run ? (run.txEnd ? run.tx + 1 : run.tx) : wireFail(`push[${i}]`, 'the first change of a writer must carry tx')
      const ord = has(F.ORD) ? t.int() : lastOrd === undefined ? n : lastOrd + 1
      const replica = has(F.REPLICA) ? t.string() : ctx.replica
      t.end()
      const op = has(F.PUT) ? 'put' : has(F.DELETE) ? 'delete' : 'patch'
      const change: Change = { writer, n, replica, tx, col, key, hlc: decodeClock(token, replica, clock, hlcAt), op, ord, base }
      if (!has(F.TX_OPEN)) change.txEnd = true
      if (set !== undefined) change.set = set as Change['set']
      if (unset !== undefined) change.unset = unset as string[]
      if (prev !== undefined) change.prev = (Array.isArray(prev) ? unalignPrev(prev, set, unset, prevAt) : prev) as Change['prev']
      if (resolves !== undefined) change.resolves = resolves as number
      if (inc !== undefined) change.inc = inc as Change['inc']
      if (addSet !== undefined) change.add = addSet as Change['add']
      if (remove !== undefined) change.remove = remove as Change['remove']
      if (fieldBase !== undefined) change.fieldBase = fieldBase as Change['fieldBase']
      changes.push(change)
      runs.set(writer, { n, tx, txEnd: change.txEnd === true })
      lastOrd = ord
    }
    return { v: PROTOCOL_VERSION, changes } satisfies PushRequest
  })
}

/** An aligned `prev` back to an object; `fromEntries` keeps every name, `__proto__` too, as data. */
function unalignPrev(values: unknown[], set: unknown, unset: unknown, path: string): Record<string, unknown> {
  if (set !== undefined && !isPlainRecord(set)) wireFail(path, 'an aligned prev needs set to be an object')
  if (unset !== undefined && (!Array.isArray(unset) || !unset.every((f) => typeof f === 'string'))) wireFail(path, 'an aligned prev needs unset to list field names')
  const fields = writtenFields(set as Record<string, unknown> | undefined, unset as string[] | undefined) as string[]
  if (new Set(fields).size !== fields.length || values.length !== fields.length) wireFail(path, `an aligned prev needs one value per written field (${fields.length})`)
  return Object.fromEntries(fields.map((f, i) => [f, values[i]]))
}
