/**
 * Runtime validation of protocol messages at the trust boundary (the hub's socket handlers).
 *
 * Every function takes `unknown` and answers `{ ok: true, value }` with a freshly built message
 * holding only the known keys, or `{ ok: false, error }` with a stable code and, in `details.path`,
 * where the input failed. Nothing here throws, whatever the input (cycles, getters, proxies).
 *
 * A key whose value is `undefined` counts as absent, as it does once JSON-encoded, so in-process
 * callers and socket callers are judged alike. Checks that need the schema or the hub's state
 * (unknown collection, field kinds, writers, order, transaction boundaries) belong to the decider's
 * `checkBatch`, not here.
 */
import { isHlc } from '../clock/hlc.js'
import type { Change, ChangeOp, FieldValues } from '../model/change.js'
import type { WireError } from '../model/errors.js'
import { jsonBytes, type JsonValue } from '../model/json.js'
import { fieldProblem, isWellFormed, keyProblem } from '../model/strings.js'
import { PROTOCOL_VERSION, type Handshake, type HubLimits, type PullRequest, type PushRequest } from './messages.js'

/** The outcome of validating one message: a clean copy, or a structured error. */
export type ValidationResult<T> = { ok: true; value: T } | { ok: false; error: WireError }

/** Writer, replica, space and collection ids. */
const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/
const MAX_TOKEN_LENGTH = 16_384
/** Writers one handshake may declare, and collections one pull may name. */
const MAX_LIST_LENGTH = 1_024
/** Nesting depth of JSON values: deeper input is refused before it can exhaust the stack. */
const MAX_DEPTH = 64
/** Default cap of `pull.limit`. */
const DEFAULT_MAX_PULL_LIMIT = 1_000

const OPS: readonly ChangeOp[] = ['put', 'patch', 'delete']
const CHANGE_KEYS = [
  'writer', 'n', 'replica', 'tx', 'txEnd', 'col', 'key', 'hlc', 'op', 'ord',
  'set', 'unset', 'prev', 'resolves', 'inc', 'add', 'remove', 'base', 'fieldBase',
] as const

/** Thrown inside this module only; every exported function catches it. */
class Invalid {
  constructor(readonly error: WireError) {}
}

function invalid(code: string, path: string, message: string, extra: Record<string, unknown> = {}): never {
  throw new Invalid({ code, message: `${path}: ${message}`, details: { path, ...extra } })
}

function run<T>(body: () => T): ValidationResult<T> {
  try {
    return { ok: true, value: body() }
  } catch (caught) {
    if (caught instanceof Invalid) return { ok: false, error: caught.error }
    // A hostile object (throwing getter, revoked proxy) must not crash the hub.
    return { ok: false, error: { code: 'malformed', message: 'unreadable message', details: { path: '' } } }
  }
}

/** A plain object (JSON-decoded or literal), with its own keys, none of them unknown. */
function readObject(value: unknown, path: string, allowed?: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid('malformed', path, 'expected an object')
  const proto = Object.getPrototypeOf(value) as unknown
  if (proto !== Object.prototype && proto !== null) invalid('malformed', path, 'expected a plain object')
  const obj = value as Record<string, unknown>
  if (allowed) {
    for (const k of Object.keys(obj)) {
      if (obj[k] !== undefined && !allowed.includes(k)) invalid('malformed', `${path}.${k}`, 'unknown key')
    }
  }
  return obj
}

function has(obj: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== undefined
}

function required(obj: Record<string, unknown>, key: string, path: string): unknown {
  if (!has(obj, key)) invalid('malformed', `${path}.${key}`, 'required')
  return obj[key]
}

function readId(value: unknown, path: string): string {
  if (typeof value !== 'string' || !ID_PATTERN.test(value)) invalid('malformed', path, `expected an id matching ${ID_PATTERN.source}`)
  return value
}

function readKey(value: unknown, path: string): string {
  const problem = keyProblem(value)
  if (problem) invalid('malformed', path, problem)
  return value as string
}

function readField(value: unknown, path: string): string {
  const problem = typeof value === 'string' ? fieldProblem(value) : 'expected a field name'
  if (problem) invalid('malformed', path, problem)
  return value as string
}

function isCount(value: unknown, min: 0 | 1): value is number {
  return Number.isSafeInteger(value) && (value as number) >= min
}

function readPositive(value: unknown, path: string): number {
  return isCount(value, 1) ? value : invalid('malformed', path, 'expected a positive integer')
}

function readNonNegative(value: unknown, path: string): number {
  return isCount(value, 0) ? value : invalid('malformed', path, 'expected a non-negative integer')
}

function readJson(value: unknown, path: string, depth = 0): JsonValue {
  if (depth > MAX_DEPTH) invalid('malformed', path, `nested deeper than ${MAX_DEPTH}`)
  if (typeof value === 'string') {
    if (!isWellFormed(value)) invalid('malformed', path, 'a string must be well-formed Unicode (no lone surrogate)')
    return value
  }
  if (value === null || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) invalid('malformed', path, 'expected a finite number')
    return value
  }
  if (Array.isArray(value)) {
    const out: JsonValue[] = []
    for (let i = 0; i < value.length; i++) out.push(readJson(value[i], `${path}[${i}]`, depth + 1))
    return out
  }
  if (typeof value === 'object') {
    const obj = readObject(value, path)
    // Nested keys are the app's own; fromEntries defines them, so even `__proto__` stays data.
    for (const k of Object.keys(obj)) if (!isWellFormed(k)) invalid('malformed', `${path}.${k}`, 'a field name must be well-formed Unicode (no lone surrogate)')
    const entries = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .map((k) => [k, readJson(obj[k], `${path}.${k}`, depth + 1)] as const)
    return Object.fromEntries(entries) as { [key: string]: JsonValue }
  }
  return invalid('malformed', path, 'expected a JSON value')
}

/** An object of field → value, each value read by `read`; `undefined` values are left out. */
function readMap<T>(value: unknown, path: string, read: (v: unknown, path: string) => T): { [field: string]: T } {
  const obj = readObject(value, path)
  const out: { [field: string]: T } = {}
  for (const k of Object.keys(obj)) {
    if (obj[k] === undefined) continue
    out[readField(k, `${path}.${k}`)] = read(obj[k], `${path}.${k}`)
  }
  return out
}

function readArray<T>(value: unknown, path: string, read: (v: unknown, path: string) => T, max = Infinity): T[] {
  if (!Array.isArray(value)) invalid('malformed', path, 'expected an array')
  if (value.length > max) invalid('malformed', path, `more than ${max} elements`)
  const out: T[] = []
  for (let i = 0; i < value.length; i++) out.push(read(value[i], `${path}[${i}]`))
  return out
}

function readFiniteNumber(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) invalid('malformed', path, 'expected a finite number')
  return value
}

function readChange(input: unknown, path: string): Change {
  const obj = readObject(input, path, CHANGE_KEYS)
  const op = required(obj, 'op', path)
  if (typeof op !== 'string' || !OPS.includes(op as ChangeOp)) invalid('malformed', `${path}.op`, `expected one of ${OPS.join(', ')}`)
  const hlc = required(obj, 'hlc', path)
  if (!isHlc(hlc)) invalid('malformed', `${path}.hlc`, 'expected an HLC')
  const change: Change = {
    writer: readId(required(obj, 'writer', path), `${path}.writer`),
    n: readPositive(required(obj, 'n', path), `${path}.n`),
    replica: readId(required(obj, 'replica', path), `${path}.replica`),
    tx: readPositive(required(obj, 'tx', path), `${path}.tx`),
    col: readId(required(obj, 'col', path), `${path}.col`),
    key: readKey(required(obj, 'key', path), `${path}.key`),
    hlc,
    op: op as ChangeOp,
    ord: readPositive(required(obj, 'ord', path), `${path}.ord`),
    base: readNonNegative(required(obj, 'base', path), `${path}.base`),
  }
  if (has(obj, 'txEnd')) {
    if (obj['txEnd'] !== true) invalid('malformed', `${path}.txEnd`, 'expected true when present')
    change.txEnd = true
  }
  const json = (v: unknown, p: string): JsonValue => readJson(v, p, 1)
  if (has(obj, 'set')) change.set = readMap(obj['set'], `${path}.set`, json) as FieldValues
  if (has(obj, 'unset')) change.unset = readArray(obj['unset'], `${path}.unset`, readField)
  if (has(obj, 'prev')) change.prev = readMap(obj['prev'], `${path}.prev`, json) as FieldValues
  if (has(obj, 'resolves')) change.resolves = readPositive(obj['resolves'], `${path}.resolves`)
  if (has(obj, 'inc')) change.inc = readMap(obj['inc'], `${path}.inc`, readFiniteNumber)
  const elements = (v: unknown, p: string): JsonValue[] => readArray(v, p, json)
  if (has(obj, 'add')) change.add = readMap(obj['add'], `${path}.add`, elements)
  if (has(obj, 'remove')) change.remove = readMap(obj['remove'], `${path}.remove`, elements)
  if (has(obj, 'fieldBase')) change.fieldBase = readMap(obj['fieldBase'], `${path}.fieldBase`, readNonNegative)
  if (change.op === 'put' && change.set === undefined) invalid('malformed', `${path}.set`, 'a put must carry set')
  return change
}

function readVersion(obj: Record<string, unknown>, path: string): typeof PROTOCOL_VERSION {
  if (required(obj, 'v', path) !== PROTOCOL_VERSION) invalid('malformed', `${path}.v`, `expected protocol version ${PROTOCOL_VERSION}`)
  return PROTOCOL_VERSION
}

function checkProtocol(protocol: number, path: string): void {
  if (protocol < PROTOCOL_VERSION) invalid('client_too_old', path, `protocol ${protocol} is older than the hub's ${PROTOCOL_VERSION}`, { hub: PROTOCOL_VERSION })
  if (protocol > PROTOCOL_VERSION) invalid('hub_too_old', path, `protocol ${protocol} is newer than the hub's ${PROTOCOL_VERSION}`, { hub: PROTOCOL_VERSION })
}

/**
 * Validates one change of a push: shape and types only (ids, counters, HLC, op, JSON values,
 * deltas). A put must carry `set`. Schema-dependent checks are the decider's.
 */
export function validateChange(input: unknown): ValidationResult<Change> {
  return run(() => readChange(input, 'change'))
}

/**
 * Validates a handshake (Socket.IO `auth`). The protocol version is judged first, since another
 * version may have another shape: `client_too_old` or `hub_too_old`. Then shape errors are
 * `malformed`. The schema version is only type-checked: comparing it is the hub's job.
 */
export function validateHandshake(input: unknown): ValidationResult<Handshake> {
  return run(() => {
    const path = 'handshake'
    const declared = readObject(input, path)['protocol']
    if (isCount(declared, 1)) checkProtocol(declared, `${path}.protocol`)
    const obj = readObject(input, path, ['protocol', 'schemaVersion', 'replicaId', 'writers', 'space', 'token', 'wire'])
    const protocol = readPositive(required(obj, 'protocol', path), `${path}.protocol`)
    const token = has(obj, 'token') ? obj['token'] : invalid('malformed', `${path}.token`, 'required (null when there is none)')
    if (token !== null && (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH)) {
      invalid('malformed', `${path}.token`, `expected null or a string of at most ${MAX_TOKEN_LENGTH} characters`)
    }
    const handshake: Handshake = {
      protocol,
      schemaVersion: readPositive(required(obj, 'schemaVersion', path), `${path}.schemaVersion`),
      replicaId: readId(required(obj, 'replicaId', path), `${path}.replicaId`),
      writers: readArray(required(obj, 'writers', path), `${path}.writers`, readId, MAX_LIST_LENGTH),
      space: readId(required(obj, 'space', path), `${path}.space`),
      token: token as string | null,
    }
    if (has(obj, 'wire')) handshake.wire = readPositive(obj['wire'], `${path}.wire`)
    return handshake
  })
}

/**
 * Validates a push: `v`, then the number of changes against `limits.batchChanges`
 * (`too_many_changes`), the request's JSON size against `limits.batchBytes` (`payload_too_large`),
 * then every change (`malformed`, with the failing path).
 */
export function validatePushRequest(input: unknown, limits: Pick<HubLimits, 'batchChanges' | 'batchBytes'>): ValidationResult<PushRequest> {
  return run(() => {
    const path = 'push'
    const obj = readObject(input, path, ['v', 'changes'])
    const v = readVersion(obj, path)
    const raw = required(obj, 'changes', path)
    if (!Array.isArray(raw)) invalid('malformed', `${path}.changes`, 'expected an array')
    if (raw.length > limits.batchChanges) {
      invalid('too_many_changes', `${path}.changes`, `${raw.length} changes, the limit is ${limits.batchChanges}`, { count: raw.length, limit: limits.batchChanges })
    }
    let bytes: number
    try {
      bytes = jsonBytes(input)
    } catch {
      return invalid('malformed', path, 'not encodable as JSON')
    }
    if (bytes > limits.batchBytes) {
      invalid('payload_too_large', path, `${bytes} bytes, the limit is ${limits.batchBytes}`, { bytes, limit: limits.batchBytes })
    }
    const changes = raw.map((c, i) => readChange(c, `${path}.changes[${i}]`))
    return { v, changes }
  })
}

/**
 * Validates a pull. `since` must be a non-negative integer (`bad_cursor` otherwise); `limit` an
 * integer in 1..`maxLimit` (default 1000); `cols`, when given, collection ids.
 */
export function validatePullRequest(input: unknown, opts: { maxLimit?: number } = {}): ValidationResult<PullRequest> {
  return run(() => {
    const path = 'pull'
    const maxLimit = opts.maxLimit ?? DEFAULT_MAX_PULL_LIMIT
    const obj = readObject(input, path, ['v', 'since', 'limit', 'cols', 'origin', 'horizon'])
    const v = readVersion(obj, path)
    const since = required(obj, 'since', path)
    if (!isCount(since, 0)) return invalid('bad_cursor', `${path}.since`, 'expected a non-negative integer', { since: String(since) })
    const limit = required(obj, 'limit', path)
    if (!isCount(limit, 1) || limit > maxLimit) return invalid('malformed', `${path}.limit`, `expected an integer in 1..${maxLimit}`)
    const request: PullRequest = { v, since, limit }
    if (has(obj, 'cols')) request.cols = readArray(obj['cols'], `${path}.cols`, readId, MAX_LIST_LENGTH)
    if (has(obj, 'origin')) {
      const origin = obj['origin']
      if (!isCount(origin, 0) || origin > since) return invalid('bad_cursor', `${path}.origin`, 'expected a non-negative integer not above since', { origin: String(origin) })
      request.origin = origin
    }
    if (has(obj, 'horizon')) {
      const horizon = obj['horizon']
      if (!isCount(horizon, 0)) return invalid('bad_cursor', `${path}.horizon`, 'expected a non-negative integer', { horizon: String(horizon) })
      request.horizon = horizon
    }
    return request
  })
}
