/**
 * Stable error codes. A code is a contract: tests, docs and apps switch on it; the message is for
 * people and may change.
 */
export type AccordErrorCode =
  | 'validation_failed'
  | 'unknown_collection'
  | 'unauthorized'
  | 'forbidden'
  | 'payload_too_large'
  | 'closed'
  | 'space_mismatch'
  | 'schema_downgrade'
  | 'schema_changed'
  | 'principal_changed'
  | 'client_too_old'
  | 'hub_too_old'
  | 'replica_taken'
  | 'malformed'
  | 'foreign_writer'
  | 'tx_split'
  | 'out_of_order'
  | 'too_many_changes'
  | 'rate_limited'
  | 'cursor_expired'
  | 'bad_cursor'
  | 'not_found'
  | 'conflict'
  | 'missing_record'
  | 'policy_error'
  | 'prev_required'
  | 'quota_exceeded'
  | 'timeout'
  | 'internal'

/** Serializable form of an error, as it crosses a wire or the worker boundary. */
export interface WireError {
  code: string
  message: string
  details?: unknown
}

/** Every error Accord throws: an `Error` with a stable string `code`, optional details and cause. */
export class AccordError extends Error {
  readonly code: AccordErrorCode | (string & {})
  readonly details: unknown

  constructor(code: AccordErrorCode | (string & {}), message: string, options: { details?: unknown; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'AccordError'
    this.code = code
    this.details = options.details
  }

  toWire(): WireError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details }
  }

  static fromWire(wire: WireError): AccordError {
    return new AccordError(wire.code, wire.message, { details: wire.details })
  }
}

/** Any thrown value as a WireError; non-Accord errors become `internal`. */
export function toWireError(error: unknown): WireError {
  if (error instanceof AccordError) return error.toWire()
  if (isWireError(error)) return { code: error.code, message: error.message }
  const message = error instanceof Error ? error.message : String(error)
  return { code: 'internal', message }
}

export function isWireError(value: unknown): value is WireError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as WireError).code === 'string' &&
    typeof (value as WireError).message === 'string'
  )
}
