import { jsonSize } from './json-size.js'

/** A JSON value as it travels on the wire and sits in storage. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue }

/** A record as the app sees it: a JSON object keyed by field name, with a string `id`. */
export type RecordValue = { [field: string]: JsonValue }

/**
 * Canonical JSON: object keys sorted, so equal values have equal strings. Set elements and deep
 * equality both compare through it.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const obj = value as Record<string, unknown>
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort()
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`
}

/** Deep equality of JSON values (undefined equals only undefined). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === undefined || b === undefined) return false
  return canonicalJson(a) === canonicalJson(b)
}

/**
 * A deep copy of a JSON value; structuredClone is not in every target and copies too much.
 * A string, boolean, null or finite number (other than -0) comes back from the JSON round trip
 * unchanged, so it is returned as it is: the hub's decider copies every written field, and that
 * round trip was a fifth of its time. Anything else (objects, arrays, -0, NaN, …) still takes the
 * round trip, with the same result as before.
 */
export function cloneJson<T>(value: T): T {
  if (value === undefined || isSelfCloning(value)) return value
  return JSON.parse(JSON.stringify(value)) as T
}

/**
 * A deep copy of a record (a JSON object), with the same result as `cloneJson` of the whole
 * object, but copying field by field: a field holding a string, number or boolean costs nothing,
 * where the round trip serialized and parsed the whole record. The hub copies every new record
 * once for the commit it broadcasts.
 */
export function cloneRecord(value: RecordValue): RecordValue {
  const out: RecordValue = {}
  for (const key of Object.keys(value)) {
    const field = value[key]
    // As JSON.stringify does, a field without a JSON value is left out (undefined, a function).
    if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue
    const copy = cloneJson(field)
    // JSON.parse makes `__proto__` an own field; an assignment would set the prototype instead.
    if (key === '__proto__') Object.defineProperty(out, key, { value: copy, enumerable: true, writable: true, configurable: true })
    else out[key] = copy
  }
  return out
}

function isSelfCloning(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0)
    default:
      return value === null
  }
}

/** Size in bytes of a value's JSON encoding (UTF-8), as the limits count it. */
export function jsonBytes(value: unknown): number {
  return jsonSize(value)
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
