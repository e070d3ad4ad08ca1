/**
 * The compact form of a `commits` broadcast (`wire: 2`): `[firstSeq, ...commit tuples]` (an empty
 * batch is `[]`), each commit
 *
 *   [flags, seq − pv, col, key, ...extras]
 *
 * with the extras whose flag bit is set in bit order (see `COMMIT_FLAGS`). A commit's `seq` is the
 * previous one's + 1 unless given. The author (`by`, `writer`, `through`, `tx`) is sent once per
 * run of commits of one writer, as `[by, writer, through, tx]` (null for an absent part); the next
 * commit of the run has the same `by` and `writer`, `through` + 1 and `tx` + 1 (or the same `tx`,
 * flag `SAME_TX`). When every written field (`set`'s keys and `unset`) carries one HLC, that HLC is
 * sent once, without its node when the node is `by` (see clock.ts; the first wall is absolute).
 *
 * That is the **author's copy**, for the sockets of the replica whose changes the batch settled.
 * The **room copy** (`wire: 3`, every other socket) has no author run at all: another replica's
 * outbox never holds this writer's changes, so `writer`/`through` would remove nothing there, and
 * its HLCs serve only the receiver's clock, which reads wall and counter, never the node. Its
 * uniform HLCs travel without their node, whatever it was, and decode with `UNKNOWN_NODE`. A frame
 * whose first commit starts no author run is a room copy. Each copy is encoded once per batch for
 * all its sockets, so neither depends on the connection.
 */
import type { Commit } from '../../model/change.js'
import { PROTOCOL_VERSION, type CommitsMessage } from '../messages.js'
import type { ValidationResult } from '../validate.js'
import { decodeHlc, encodeHlc, isHlc } from '../../clock/hlc.js'
import { decodeClock, encodeClock, UNKNOWN_NODE, type ClockRef } from './clock.js'
import { decodeWith, definedKeys, isPlainRecord, Tuple, wireFail } from './reader.js'

/** A compact `commits` message. */
export type WireCommits = unknown[]

/** Which copy of a batch to encode: the author's replica's (with the author runs) or the room's. */
export type CommitsCopy = 'author' | 'room'

export const COMMIT_FLAGS = {
  SET: 1,
  /** One HLC for every written field. */
  HLC: 2,
  /** A new author run: `[by, writer, through, tx]` follows. Never in a room copy. */
  RUN: 4,
  /** In a run: the same `tx` as the previous commit (else its `tx` + 1). */
  SAME_TX: 8,
  UNSET: 16,
  DEL: 32,
  /** The HLCs as an object of field → HLC string. */
  HLC_MAP: 64,
  REJECTED: 128,
  CONFLICT: 256,
  RESOLVED: 512,
  /** An explicit `seq` (not the previous + 1). */
  SEQ: 1024,
} as const
const F = COMMIT_FLAGS
const ALL_FLAGS = 2 * F.SEQ - 1

interface Author {
  by: string | undefined
  writer: string | undefined
  through: number | undefined
  tx: number | undefined
}

const next = (n: number | undefined): number | undefined => (n === undefined ? undefined : n + 1)
const NO_AUTHOR: Author = { by: undefined, writer: undefined, through: undefined, tx: undefined }
const nodeOf = (hlc: string): string | undefined => (isHlc(hlc) ? decodeHlc(hlc).node : undefined)

/** The one HLC all written fields share, when they do (and there is at least one). */
function uniformHlc(commit: Commit): string | undefined {
  const keys = definedKeys(commit.hlc)
  const written = [...definedKeys(commit.set), ...(commit.unset ?? [])]
  if (keys.length === 0 || keys.length !== new Set(written).size || !written.every((f) => keys.includes(f))) return undefined
  const first = commit.hlc[keys[0] as string]
  return keys.every((k) => commit.hlc[k] === first) ? first : undefined
}

/** The compact form of `message`: the author's copy unless `copy` is `'room'`. */
export function encodeWireCommits(message: CommitsMessage, copy: CommitsCopy = 'author'): WireCommits {
  const first = message.commits[0]
  if (first === undefined) return []
  const out: unknown[] = [first.seq]
  let seq = first.seq - 1
  let author: Author | undefined
  const clock: ClockRef = { wall: 0 }
  for (const c of message.commits) {
    let flags = 0
    const extras: unknown[] = []
    const add = (bit: number, value: unknown): void => {
      flags |= bit
      extras.push(value)
    }
    if (c.set !== undefined) add(F.SET, c.set)
    const uniform = uniformHlc(c)
    // The room copy drops every uniform HLC's node: the node is what the receiver does not need.
    if (uniform !== undefined) add(F.HLC, encodeClock(uniform, copy === 'room' ? nodeOf(uniform) : c.by, clock))
    if (copy === 'author') author = encodeAuthor(c, author, add, (bit) => (flags |= bit))
    if (c.unset !== undefined) add(F.UNSET, c.unset)
    if (c.del) flags |= F.DEL
    if (uniform === undefined && definedKeys(c.hlc).length > 0) add(F.HLC_MAP, c.hlc)
    if (c.rejected !== undefined) add(F.REJECTED, c.rejected)
    if (c.conflict !== undefined) add(F.CONFLICT, c.conflict)
    if (c.resolved !== undefined) add(F.RESOLVED, c.resolved)
    if (c.seq !== seq + 1) add(F.SEQ, c.seq)
    seq = c.seq
    out.push([flags, c.seq - c.pv, c.col, c.key, ...extras])
  }
  return out
}

/**
 * The logical message a room copy of `message` decodes to: each commit without `by`, `writer`,
 * `through` and `tx`, and an HLC shared by all its written fields with the node `UNKNOWN_NODE`
 * (other HLCs unchanged). The contract of `encodeWireCommits(message, 'room')`.
 */
export function roomCopyOf(message: CommitsMessage): CommitsMessage {
  const commits = message.commits.map((c): Commit => {
    const { by: _by, writer: _writer, through: _through, tx: _tx, ...rest } = c
    const uniform = uniformHlc(c)
    if (uniform === undefined || !isHlc(uniform)) return rest
    const anonymous = encodeHlc({ ...decodeHlc(uniform), node: UNKNOWN_NODE })
    return { ...rest, hlc: Object.fromEntries([...definedKeys(c.set), ...(c.unset ?? [])].map((f) => [f, anonymous])) }
  })
  return { v: message.v, commits }
}

/** Continues the previous commit's author run, or starts a new one; returns the commit's author. */
function encodeAuthor(c: Commit, previous: Author | undefined, add: (bit: number, value: unknown) => void, flag: (bit: number) => void): Author {
  const sameRun = previous !== undefined && c.by === previous.by && c.writer === previous.writer && c.through === next(previous.through)
  if (sameRun && c.tx === previous.tx && c.tx !== undefined) flag(F.SAME_TX)
  else if (!sameRun || c.tx !== next(previous.tx)) add(F.RUN, [c.by ?? null, c.writer ?? null, c.through ?? null, c.tx ?? null])
  return { by: c.by, writer: c.writer, through: c.through, tx: c.tx }
}

/**
 * Rebuilds the logical `commits` message; from a room copy, the message `roomCopyOf` describes.
 * Checks every part's type (a replica trusts its hub's commits, but a broken frame must fail as
 * `malformed`, never throw); never throws.
 */
export function decodeWireCommits(input: unknown): ValidationResult<CommitsMessage> {
  return decodeWith(() => {
    const list = Tuple.of(input, 'commits')
    const items = input as unknown[]
    if (items.length === 0) return { v: PROTOCOL_VERSION, commits: [] }
    let seq = list.int() - 1
    let author: Author | undefined
    let room: boolean | undefined
    const clock: ClockRef = { wall: 0 }
    const commits: Commit[] = []
    for (let i = 1; i < items.length; i++) {
      const path = `commits[${i}]`
      const t = Tuple.of(list.next(), path, 4)
      const flagsAt = t.where
      const flags = t.int()
      if (flags < 0 || flags > ALL_FLAGS || (flags & (F.HLC | F.HLC_MAP)) === (F.HLC | F.HLC_MAP)) wireFail(flagsAt, 'unknown flags')
      const has = (bit: number): boolean => (flags & bit) !== 0
      const back = t.int()
      const col = t.string()
      const key = t.string()
      const set = has(F.SET) ? t.record() : undefined
      const hlcAt = t.where
      const token = has(F.HLC) ? t.next() : undefined
      // The first commit tells the copy: an author's copy starts with a run, a room copy has none.
      room ??= !has(F.RUN)
      if (room && (has(F.RUN) || has(F.SAME_TX))) wireFail(flagsAt, 'a room copy carries no author run')
      author = room ? NO_AUTHOR : has(F.RUN) ? readAuthor(t) : continueRun(author ?? NO_AUTHOR, has(F.SAME_TX))
      const unset = has(F.UNSET) ? readStrings(t) : undefined
      const hlcMap = has(F.HLC_MAP) ? readHlcMap(t) : undefined
      const rejected = has(F.REJECTED) ? t.string() : undefined
      const conflict = has(F.CONFLICT) ? t.record() : undefined
      const resolved = has(F.RESOLVED) ? readInts(t) : undefined
      seq = has(F.SEQ) ? t.int() : seq + 1
      t.end()
      const commit: Commit = { seq, pv: seq - back, col, key, hlc: {} }
      if (set !== undefined) commit.set = set as Commit['set']
      if (unset !== undefined) commit.unset = unset
      if (has(F.DEL)) commit.del = true
      if (token !== undefined) {
        const hlc = decodeClock(token, room ? UNKNOWN_NODE : author.by, clock, hlcAt)
        commit.hlc = Object.fromEntries([...definedKeys(set), ...(unset ?? [])].map((f) => [f, hlc]))
      } else if (hlcMap !== undefined) commit.hlc = hlcMap
      if (author.by !== undefined) commit.by = author.by
      if (author.writer !== undefined) commit.writer = author.writer
      if (author.through !== undefined) commit.through = author.through
      if (author.tx !== undefined) commit.tx = author.tx
      if (rejected !== undefined) commit.rejected = rejected
      if (conflict !== undefined) commit.conflict = conflict as unknown as Commit['conflict']
      if (resolved !== undefined) commit.resolved = resolved
      commits.push(commit)
    }
    return { v: PROTOCOL_VERSION, commits } satisfies CommitsMessage
  })
}

function continueRun(previous: Author, sameTx: boolean): Author {
  return { ...previous, through: next(previous.through), tx: sameTx ? previous.tx : next(previous.tx) }
}

function readAuthor(t: Tuple): Author {
  const run = Tuple.of(t.next(), `${t.path}.run`, 4)
  const part = (kind: 'string' | 'int'): string | number | undefined => {
    const at = run.where
    const value = run.next()
    if (value === null) return undefined
    if (kind === 'string' ? typeof value !== 'string' : !Number.isSafeInteger(value)) wireFail(at, `expected ${kind === 'string' ? 'a string' : 'an integer'} or null`)
    return value as string | number
  }
  const author: Author = { by: part('string') as string | undefined, writer: part('string') as string | undefined, through: part('int') as number | undefined, tx: part('int') as number | undefined }
  run.end()
  return author
}

function readStrings(t: Tuple): string[] {
  const at = t.where
  const values = t.array()
  if (!values.every((v) => typeof v === 'string')) wireFail(at, 'expected field names')
  return values as string[]
}

function readInts(t: Tuple): number[] {
  const at = t.where
  const values = t.array()
  if (!values.every((v) => Number.isSafeInteger(v))) wireFail(at, 'expected integers')
  return values as number[]
}

function readHlcMap(t: Tuple): { [field: string]: string } {
  const at = t.where
  const map = t.record()
  for (const k of Object.keys(map)) if (typeof map[k] !== 'string') wireFail(`${at}.${k}`, 'expected an HLC string')
  return map as { [field: string]: string }
}
