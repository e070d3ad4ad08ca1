import type { PolicyOptions, RejectConflictsPolicy } from './types.js'

/**
 * A conflicting change is refused with its whole local transaction ("discard the sequence of
 * writes"); the writer's visible state rolls back and a ConflictRecord is recorded. Later,
 * independent transactions of the same replica are judged on their own.
 */
export function rejectConflicts(options: PolicyOptions = {}): RejectConflictsPolicy {
  return { kind: 'rejectConflicts', ...options }
}
