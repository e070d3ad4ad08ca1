import type { ManualPolicy, PolicyOptions } from './types.js'

/**
 * Non-conflicting fields apply; conflicting fields keep the remote value and both versions are kept
 * as an open conflict until `db.resolve(conflictId, values)` closes it on every replica.
 */
export function manual(options: PolicyOptions = {}): ManualPolicy {
  return { kind: 'manual', ...options }
}
