import type { ConflictRecord } from '../model/change.js'
import type { PullPage } from '../protocol/messages.js'
import type { Schema } from '../schema/define-schema.js'
import { recordKey } from '../decider/hub-record.js'
import { removePending, storeConfirmed } from './rebase.js'
import type { ReplicaTx } from './replica-store.js'

export interface ApplyPullOptions {
  /** A re-pull from 0: local records absent from the pages are deleted (confirmed), outbox kept. */
  fromZero: boolean
  /** Collections the pull covered (all when undefined); only those are cleared from zero. */
  cols?: readonly string[]
  /** Whether the pages are the last ones (watermarks settle the outbox only then). */
  complete: boolean
}

export interface ApplyPullResult {
  cursor: number
  conflicts: ConflictRecord[]
  settled: number
  maxHlc?: string
}

/**
 * Applies catch-up pages in one storage transaction (DESIGN §3 rule 6): each pulled record becomes
 * confirmed at its version, pending changes are replayed on top, the last page's watermarks settle
 * outbox changes, conflicts are kept, and the cursor moves to the last page's `until`.
 */
export async function applyPull(tx: ReplicaTx, schema: Schema, pages: readonly Omit<PullPage, 'v'>[], options: ApplyPullOptions): Promise<ApplyPullResult> {
  const state = await tx.getState()
  const result: ApplyPullResult = { cursor: state.cursor, conflicts: [], settled: 0 }
  const seen = new Set<string>()
  // Applying a pulled record writes its version and visible value without reading either; it
  // reads only the record's pending changes and whether a confirmed snapshot exists.
  await tx.prefetch?.(pages.flatMap((p) => p.records), { pending: true, confirmed: true })
  for (const page of pages) {
    for (const record of page.records) {
      if (!schema.has(record.col)) continue
      seen.add(recordKey(record.col, record.key))
      await tx.putVersion(record.col, record.key, record.version)
      await storeConfirmed(tx, schema, record.col, record.key, record.deleted ? undefined : record.value)
      if (result.maxHlc === undefined || record.hlc > result.maxHlc) result.maxHlc = record.hlc
    }
    for (const conflict of page.conflicts) {
      await tx.putConflict(conflict)
      result.conflicts.push(conflict)
    }
    result.cursor = page.until
  }
  if (options.fromZero && options.complete) {
    // Open manual conflicts are never purged, so one the full snapshot does not list was closed
    // in history that retention purged: close it here too, or it stays open forever.
    const listed = new Set(pages.flatMap((p) => p.conflicts.map((c) => c.id)))
    for (const conflict of await tx.openConflicts()) {
      if (listed.has(conflict.id) || (options.cols && !options.cols.includes(conflict.col))) continue
      const closed: ConflictRecord = { ...conflict, closedBy: 0 }
      delete closed.open
      await tx.putConflict(closed)
      result.conflicts.push(closed)
    }
  }
  if (options.fromZero) {
    for (const col of options.cols ?? schema.names) {
      for (const key of await tx.localKeys(col)) {
        if (seen.has(recordKey(col, key))) continue
        await tx.putVersion(col, key, 0)
        await storeConfirmed(tx, schema, col, key, undefined)
      }
    }
  }
  const last = pages[pages.length - 1]
  if (options.complete && last) {
    for (const [writer, watermark] of Object.entries(last.watermarks)) {
      const settled = await tx.outboxThrough(writer, watermark)
      await removePending(tx, schema, settled)
      result.settled += settled.length
    }
  }
  state.cursor = result.cursor
  await tx.putState(state)
  return result
}
