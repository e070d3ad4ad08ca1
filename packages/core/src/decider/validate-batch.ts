import type { Change } from '../model/change.js'
import type { WireError } from '../model/errors.js'
import type { Schema } from '../schema/define-schema.js'
import type { DeciderView } from './hub-record.js'

/**
 * The batch-level checks that need the schema and the hub's state (the shape was checked by the
 * protocol validator): unknown collection, fields used against their kind, foreign writers,
 * per-writer order and transaction boundaries. Any failure refuses the whole batch.
 */
export function checkBatch(schema: Schema, view: DeciderView, replica: string, changes: readonly Change[]): WireError | undefined {
  const lastOf = new Map<string, Change>()
  let open: Change | undefined
  for (const change of changes) {
    if (!schema.has(change.col)) return fail('unknown_collection', `unknown collection "${change.col}"`, { col: change.col })
    const kindError = checkFieldKinds(schema, change)
    if (kindError) return kindError
    if (change.replica !== replica) {
      return fail('foreign_writer', `change ${change.writer}#${change.n} names replica ${change.replica}, not this connection's`, { writer: change.writer })
    }
    // A transaction is decided as one run of changes: another writer's change inside it would split it.
    if (open && open.writer !== change.writer) {
      return fail('tx_split', `writer ${change.writer} interleaves transaction ${open.tx} of writer ${open.writer}`, { writer: open.writer, tx: open.tx })
    }
    open = change.txEnd ? undefined : change
    const bound = view.writer(change.writer)
    if (bound && bound.replica !== replica) {
      return fail('foreign_writer', `writer ${change.writer} belongs to another replica`, { writer: change.writer })
    }
    const watermark = bound?.watermark ?? 0
    const previous = lastOf.get(change.writer)
    if (previous === undefined) {
      if (change.n > watermark + 1) {
        return fail('out_of_order', `writer ${change.writer}: expected n ≤ ${watermark + 1}, got ${change.n}`, { writer: change.writer, watermark })
      }
    } else {
      if (change.n !== previous.n + 1) {
        return fail('out_of_order', `writer ${change.writer}: n jumps from ${previous.n} to ${change.n}`, { writer: change.writer, watermark })
      }
      if (!previous.txEnd && previous.tx !== change.tx) {
        return fail('tx_split', `writer ${change.writer}: transaction ${previous.tx} has no end before ${change.tx}`, { writer: change.writer, tx: previous.tx })
      }
      if (previous.txEnd && previous.tx === change.tx) {
        return fail('tx_split', `writer ${change.writer}: transaction ${change.tx} continues after its end`, { writer: change.writer, tx: change.tx })
      }
    }
    lastOf.set(change.writer, change)
  }
  for (const last of lastOf.values()) {
    if (!last.txEnd) return fail('tx_split', `the batch ends inside transaction ${last.tx} of writer ${last.writer}`, { writer: last.writer, tx: last.tx })
  }
  return undefined
}

function checkFieldKinds(schema: Schema, change: Change): WireError | undefined {
  const col = schema.collection(change.col)
  if (change.set?.['id'] !== undefined && change.set['id'] !== change.key) return fail('malformed', `set.id must equal the key "${change.key}"`)
  if (change.unset?.includes('id')) return fail('malformed', 'a change cannot unset id')
  // Plain fields: `set` keys then `unset` names, without building the list of both.
  const plain = (f: string): WireError | undefined => {
    const kind = col.fieldKind(f)
    return kind === 'counter' || kind === 'set' ? fail('malformed', `field "${f}" is a ${kind}: send it as a delta`, { field: f }) : undefined
  }
  if (change.set) {
    for (const f of Object.keys(change.set)) {
      const error = plain(f)
      if (error) return error
    }
  }
  for (const f of change.unset ?? []) {
    const error = plain(f)
    if (error) return error
  }
  for (const f of Object.keys(change.inc ?? {})) {
    if (col.fieldKind(f) !== 'counter') return fail('malformed', `field "${f}" is not a counter`, { field: f })
  }
  for (const f of [...Object.keys(change.add ?? {}), ...Object.keys(change.remove ?? {})]) {
    if (col.fieldKind(f) !== 'set') return fail('malformed', `field "${f}" is not a set`, { field: f })
  }
  if (change.op === 'delete' && (change.set || change.unset || change.inc || change.add || change.remove)) {
    return fail('malformed', 'a delete carries no fields')
  }
  return undefined
}

function fail(code: string, message: string, details?: unknown): WireError {
  return details === undefined ? { code, message } : { code, message, details }
}
