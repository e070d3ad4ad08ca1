/**
 * Rebuilding errors on the page side: every failed call rejects with an `AccordError` carrying the
 * wire `code` of the runtime's `Result` (STYLE §8); a failure of the boundary itself is `internal`.
 */
import { AccordError } from '@accord/core'
import type { Result } from '../shared/worker-api.js'

/** Any thrown value as an AccordError. */
export function toAccordError(error: unknown): AccordError {
  if (error instanceof AccordError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new AccordError('internal', `the replica's worker failed: ${message}`, { cause: error })
}

/** Awaits a runtime call and unwraps its Result, rejecting with the rebuilt AccordError. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  let result: Result<T>
  try {
    result = await call
  } catch (error) {
    throw toAccordError(error)
  }
  if (!result.ok) throw AccordError.fromWire(result.error)
  return result.value
}

/** The error every call of a closed replica rejects with. */
export function closedError(): AccordError {
  return new AccordError('closed', 'the replica is closed')
}
