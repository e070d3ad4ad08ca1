import type { Change } from '../model/change.js'
import { jsonBytes } from '../model/json.js'
import { withPrev } from '../model/prev.js'
import type { HubLimits } from '../protocol/messages.js'

/** Bytes a push request adds around its changes (envelope), kept out of the per-change budget. */
const ENVELOPE_BYTES = 64

export type BatchPlan =
  | { kind: 'batch'; changes: Change[] }
  /** The first unsent transaction alone exceeds the hub's limits: it must leave the outbox. */
  | { kind: 'oversize'; changes: Change[] }
  | { kind: 'empty' }

/**
 * The next push batch (DESIGN §3 rule 2): unsent outbox changes in `ord` order, whole
 * transactions only, within the hub's change and byte limits.
 */
export function planBatch(outbox: readonly Change[], sent: ReadonlyMap<string, number>, limits: HubLimits, maxTxs = Infinity): BatchPlan {
  const unsent = outbox.filter((c) => c.n > (sent.get(c.writer) ?? 0))
  const batch: Change[] = []
  let bytes = ENVELOPE_BYTES
  let txs = 0
  let i = 0
  while (i < unsent.length && txs < maxTxs) {
    const tx = takeTransaction(unsent, i)
    // Counted with every `prev` (`{}` where the outbox stores none): the form the hub must accept.
    const txBytes = tx.reduce((sum, c) => sum + jsonBytes(withPrev(c)) + 1, 0)
    if (tx.length > limits.batchChanges || txBytes + ENVELOPE_BYTES > limits.batchBytes) {
      return batch.length ? { kind: 'batch', changes: batch } : { kind: 'oversize', changes: tx }
    }
    if (!tx[tx.length - 1]?.txEnd) break // the rest of this transaction is not written yet
    if (batch.length + tx.length > limits.batchChanges || bytes + txBytes > limits.batchBytes) break
    batch.push(...tx)
    bytes += txBytes
    txs += 1
    i += tx.length
  }
  return batch.length ? { kind: 'batch', changes: batch } : { kind: 'empty' }
}

/** The changes of the transaction starting at `start` (same writer and tx), in order. */
function takeTransaction(changes: readonly Change[], start: number): Change[] {
  const first = changes[start] as Change
  const tx: Change[] = []
  for (let i = start; i < changes.length; i++) {
    const c = changes[i] as Change
    if (c.writer !== first.writer || c.tx !== first.tx) break
    tx.push(c)
    if (c.txEnd) break
  }
  return tx
}
