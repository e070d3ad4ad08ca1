import type { FieldMergePolicy, LwwField, PolicyOptions } from './types.js'

/**
 * The default policy. Fields changed on one side only keep that side's value; fields changed on both
 * sides are settled per field, by last-writer-wins on HLC unless a field policy says otherwise.
 */
export function fieldMerge(options: PolicyOptions = {}): FieldMergePolicy {
  return { kind: 'fieldMerge', ...options }
}

/** A field-level last-writer-wins override (the default inside fieldMerge). */
export function lww(): LwwField {
  return { kind: 'lww' }
}
