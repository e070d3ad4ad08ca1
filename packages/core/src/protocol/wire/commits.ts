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
 * Encoded once per batch for every compact socket of the room, so it depends on nothing
 * per-connection.
 */
import type { Commit } from '../../model/change.js'
import { PROTOCOL_VERSION, type CommitsMessage } from '../messages.js'
import type { ValidationResult } from '../validate.js'
import { decodeClock, encodeClock, type ClockRef } from './clock.js'
import { decodeWith, definedKeys, isPlainRecord, Tuple, wireFail } from './reader.js'

/** A compact `commits` message. */
export type WireCommits = unknown[]

export const COMMIT_FLAGS = {
  SET: 1,
  /** One HLC for every written field. */
  HLC: 2,
  /** A new author run: `[by, writer, through, tx]` follows. */
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

/** The one HLC all written fields share, when they do (and there is at least one). */
function uniformHlc(commit: Commit): string | undefined {
  const keys = definedKeys(commit.hlc)
  const written = [...definedKeys(commit.set), ...(commit.unset ?? [])]
  if (keys.length === 0 || keys.length !== new Set(written).size || !written.every((f) => keys.includes(f))) return undefined
  const first = commit.hlc[keys[0] as string]
  return keys.every((k) => commit.hlc[k] === first) ? first : undefined
}

export function encodeWireCommits(message: CommitsMessage): WireCommits {
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
    if (uniform !== undefined) add(F.HLC, encodeClock(uniform, c.by, clock))
    const sameRun = author !== undefined && c.by === author.by && c.writer === author.writer && c.through === next(author.through)
    if (sameRun && c.tx === author?.tx && c.tx !== undefined) flags |= F.SAME_TX
    else if (!sameRun || c.tx !== next(author?.tx)) add(F.RUN, [c.by ?? null, c.writer ?? null, c.through ?? null, c.tx ?? null])
    author = { by: c.by, writer: c.writer, through: c.through, tx: c.tx }
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
 * Rebuilds the logical `commits` message. Checks every part's type (a replica trusts its hub's
 * commits, but a broken frame must fail as `malformed`, never throw); never throws.
 */
export function decodeWireCommits(input: unknown): ValidationResult<CommitsMessage> {
  return decodeWith(() => {
    const list = Tuple.of(input, 'commits')
    const items = input as unknown[]
    if (items.length === 0) return { v: PROTOCOL_VERSION, commits: [] }
    let seq = list.int() - 1
    let author: Author | undefined
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
      if (has(F.RUN)) author = readAuthor(t)
      else if (author === undefined) wireFail(path, 'the first commit must start an author run')
      else author = { ...author, through: next(author.through), tx: has(F.SAME_TX) ? author.tx : next(author.tx) }
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
        const hlc = decodeClock(token, author.by, clock, hlcAt)
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
