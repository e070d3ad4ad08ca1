import { toWireError } from '@accord/core'
import type { Result } from '../shared/worker-api.js'

/** Runs `fn` and reports its outcome as a `Result`: errors cross the worker boundary as data. */
export async function toResult<T>(fn: () => T | Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, value: await fn() }
  } catch (error) {
    return { ok: false, error: toWireError(error) }
  }
}
