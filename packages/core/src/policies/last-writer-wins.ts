import type { LastWriterWinsPolicy, PolicyOptions } from './types.js'

/**
 * Whole-change last-writer-wins: when any written field changed on both sides, the change's HLC is
 * compared with the highest HLC of those fields; the loser's whole change is dropped (its counter
 * and set deltas still count), the winner applied as a patch.
 */
export function lastWriterWins(options: PolicyOptions = {}): LastWriterWinsPolicy {
  return { kind: 'lastWriterWins', ...options }
}
