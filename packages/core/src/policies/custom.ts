import type { CustomMergeFn, CustomPolicy, PolicyOptions } from './types.js'

/**
 * The application decides: `merge` gets the conflicting fields' base, local and remote values and
 * returns the values to write, `null` to delete the record, or `reject` to refuse the incoming
 * change's whole transaction. It must be pure and deterministic; a throw counts as a rejection.
 */
export function custom(merge: CustomMergeFn, options: PolicyOptions = {}): CustomPolicy {
  return { kind: 'custom', merge, ...options }
}
