/**
 * The compact form of a pull page (`wire: 2`), the answer to `pull` on a compact connection:
 *
 *   [until, head, more (0 | 1), purgedThrough | null, watermarks, conflicts, nodes, ...records]
 *
 * `watermarks` and `conflicts` are as in the logical page. Each record is
 * `[col, key, version − previous record's version, hlc, value]`; a tombstone has no `value`
 * (`deleted: true`). The HLC's node is an index into `nodes` (the page's HLC nodes, in order of
 * first use): `d` (wall = previous wall + d, counter 0, node 0), `[d, counter]` (node 0),
 * `[d, counter, node index]`, or the full HLC string. Errors stay `{ ok: false, error }`.
 */
import { decodeHlc, encodeHlc, isHlc } from '../../clock/hlc.js'
import type { ConflictRecord } from '../../model/change.js'
import { PROTOCOL_VERSION, type PulledRecord, type PullPage } from '../messages.js'
import type { ValidationResult } from '../validate.js'
import { decodeWith, isPlainRecord, Tuple, wireFail } from './reader.js'

/** A compact pull page. */
export type WirePage = unknown[]

const MAX_WALL = 2 ** 48 - 1
const MAX_COUNTER = 0xffff

export function encodeWirePage(page: PullPage): WirePage {
  const nodes: string[] = []
  let version = 0
  let wall = 0
  const records = page.records.map((r) => {
    const dv = r.version - version
    version = r.version
    let token: unknown = r.hlc
    if (isHlc(r.hlc)) {
      const parts = decodeHlc(r.hlc)
      let index = nodes.indexOf(parts.node)
      if (index < 0) index = nodes.push(parts.node) - 1
      const d = parts.wall - wall
      wall = parts.wall
      token = index > 0 ? [d, parts.counter, index] : parts.counter > 0 ? [d, parts.counter] : d
    }
    const tuple: unknown[] = [r.col, r.key, dv, token]
    if (r.value !== undefined) tuple.push(r.value)
    else if (!r.deleted) tuple.push(null)
    if (r.value !== undefined && r.deleted) tuple.push(1)
    return tuple
  })
  return [page.until, page.head, page.more ? 1 : 0, page.purgedThrough ?? null, page.watermarks, page.conflicts, nodes, ...records]
}

/** Rebuilds the logical page (without `ok`); checks every part's type; never throws. */
export function decodeWirePage(input: unknown): ValidationResult<PullPage> {
  return decodeWith(() => {
    const t = Tuple.of(input, 'page', 7)
    const items = input as unknown[]
    const until = t.int()
    const head = t.int()
    const moreAt = t.where
    const more = t.next()
    if (more !== 0 && more !== 1) wireFail(moreAt, 'expected 0 or 1')
    const purgedAt = t.where
    const purged = t.next()
    if (purged !== null && !Number.isSafeInteger(purged)) wireFail(purgedAt, 'expected an integer or null')
    const watermarksAt = t.where
    const watermarks = t.record()
    for (const k of Object.keys(watermarks)) if (!Number.isSafeInteger(watermarks[k])) wireFail(`${watermarksAt}.${k}`, 'expected an integer')
    const conflictsAt = t.where
    const conflicts = t.array()
    if (!conflicts.every(isPlainRecord)) wireFail(conflictsAt, 'expected ConflictRecords')
    const nodesAt = t.where
    const nodes = t.array()
    if (!nodes.every((n) => typeof n === 'string')) wireFail(nodesAt, 'expected HLC nodes')
    const records: PulledRecord[] = []
    let version = 0
    let wall = 0
    for (let i = 7; i < items.length; i++) {
      const r = Tuple.of(t.next(), `page[${i}]`, 4)
      const col = r.string()
      const key = r.string()
      version += r.int()
      const hlcAt = r.where
      const token = r.next()
      let hlc: string
      if (typeof token === 'string') {
        hlc = token
        if (isHlc(token)) wall = decodeHlc(token).wall
      } else {
        let d: unknown = token
        let counter: unknown = 0
        let index: unknown = 0
        if (Array.isArray(token)) {
          if (token.length < 2 || token.length > 3) wireFail(hlcAt, 'expected [wall delta, counter, node index?]')
          ;[d, counter, index = 0] = token as unknown[]
        }
        if (!Number.isSafeInteger(d) || !Number.isSafeInteger(counter) || (counter as number) < 0 || (counter as number) > MAX_COUNTER) wireFail(hlcAt, 'expected an HLC')
        const node = Number.isSafeInteger(index) ? nodes[index as number] : undefined
        if (typeof node !== 'string') wireFail(hlcAt, 'expected a node index of the page')
        wall += d as number
        if (wall < 0 || wall > MAX_WALL) wireFail(hlcAt, 'the HLC wall is out of range')
        hlc = encodeHlc({ wall, counter: counter as number, node })
      }
      const record: PulledRecord = { col, key, version, hlc }
      const length = (items[i] as unknown[]).length
      if (length === 4) record.deleted = true
      else {
        const valueAt = r.where
        const value = r.next()
        if (value !== null) {
          if (!isPlainRecord(value)) wireFail(valueAt, 'expected a record value or null')
          record.value = value as NonNullable<PulledRecord['value']>
        }
        if (length >= 6) {
          const flagAt = r.where
          if (r.next() !== 1) wireFail(flagAt, 'expected 1 (deleted)')
          record.deleted = true
        }
      }
      r.end()
      records.push(record)
    }
    const page: PullPage = { v: PROTOCOL_VERSION, records, conflicts: conflicts as unknown as ConflictRecord[], watermarks: watermarks as { [writer: string]: number }, until, head, more: more === 1 }
    if (purged !== null) page.purgedThrough = purged as number
    return page
  })
}
