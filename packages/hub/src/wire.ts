/**
 * The connection's wire encoding at the hub's edge: a compact push is decoded into the logical
 * `PushRequest` here, before the logical validator runs on it unchanged (the verbose form is taken
 * as it is, from every connection); a page is answered compact to a compact connection.
 */
import { decodeWirePush, encodeWirePage, isCompactWire, type WirePage } from '@accord/core/internal'
import type { PullResponse, ValidationResult } from '@accord/core'
import type { ConnectionState } from './types.js'

export function logicalPush(state: ConnectionState, payload: unknown): ValidationResult<unknown> {
  if (!Array.isArray(payload)) return { ok: true, value: payload }
  // Its clocks count from the welcome's hubTime: a compact push before the welcome has no meaning.
  if (!isCompactWire(state.wire) || state.epoch === undefined) {
    return { ok: false, error: { code: 'malformed', message: 'push: a compact push needs a connection that announced wire 2 or more and was welcomed', details: { path: 'push' } } }
  }
  return decodeWirePush(payload, { replica: state.replica, writers: state.declared, epoch: state.epoch })
}

/** A pull's answer in the connection's encoding (errors are the same in both). */
export function pullAnswer(state: ConnectionState, response: PullResponse): PullResponse | WirePage {
  if (!isCompactWire(state.wire) || !response.ok) return response
  const { ok: _ok, ...page } = response
  return encodeWirePage(page)
}
