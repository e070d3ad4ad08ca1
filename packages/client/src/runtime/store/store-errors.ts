import { AccordError } from '@accord/core'

interface NamedError {
  name?: unknown
  inner?: unknown
  message?: unknown
}

/** The names of an error and of the errors it wraps (Dexie keeps the IndexedDB one in `inner`). */
function names(error: unknown): string[] {
  const out: string[] = []
  let current: unknown = error
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { name, inner } = current as NamedError
    if (typeof name === 'string') out.push(name)
    current = inner
  }
  return out
}

/** Whether IndexedDB refused for lack of space. */
export function isQuotaError(error: unknown): boolean {
  return names(error).includes('QuotaExceededError')
}

/** Whether the database connection was closed under the caller (Safari drops it; so do upgrades). */
export function isClosedError(error: unknown): boolean {
  return names(error).some((n) => n === 'DatabaseClosedError' || n === 'InvalidStateError')
}

/**
 * A storage failure as an AccordError with a stable code: `quota_exceeded` for a full disk, the
 * error itself when it already is one, `internal` (with the cause) otherwise.
 */
export function toStoreError(error: unknown): AccordError {
  if (error instanceof AccordError) return error
  if (isQuotaError(error)) {
    return new AccordError('quota_exceeded', 'the browser refused to store more data (storage quota exceeded); nothing of this write was kept', { cause: error })
  }
  const message = typeof (error as NamedError | null)?.message === 'string' ? ((error as NamedError).message as string) : String(error)
  return new AccordError('internal', `local database error: ${message}`, { cause: error })
}
