/**
 * Rules for the strings a record is made of, shared by the client (which refuses a bad write with
 * `validation_failed` before anything is written) and the hub's validator (which refuses a batch
 * as `malformed`). Sharing them keeps a client from writing what the hub will never accept, which
 * would otherwise block its outbox.
 */

/** Record keys: the app's ids, any string up to this length without a NUL (stores use it as a separator). */
export const MAX_KEY_LENGTH = 512
/** Field names (top-level and nested keys). */
export const MAX_FIELD_LENGTH = 256

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

/**
 * Whether a string is well-formed UTF-16 (no lone surrogate). A lone surrogate cannot be encoded
 * as UTF-8: stores replace it with U+FFFD, so two different keys or values would collide, or a
 * replica would hold a value the hub does not.
 */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text)
}

/** Why a record key is not acceptable, or undefined when it is. */
export function keyProblem(key: unknown): string | undefined {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) return `a key must be a non-empty string of at most ${MAX_KEY_LENGTH} characters`
  if (key.includes('\u0000')) return 'a key must not contain NUL'
  if (!isWellFormed(key)) return 'a key must be well-formed Unicode (no lone surrogate)'
  return undefined
}

/** Why a field name is not acceptable, or undefined when it is. */
export function fieldProblem(name: string): string | undefined {
  if (name.length > MAX_FIELD_LENGTH) return `a field name must have at most ${MAX_FIELD_LENGTH} characters`
  // `__proto__` as an own key would rewrite a record's prototype when copied by assignment.
  if (name === '__proto__') return 'a field cannot be named __proto__'
  if (!isWellFormed(name)) return 'a field name must be well-formed Unicode (no lone surrogate)'
  return undefined
}

/** The first problem of a JSON value's strings (nested keys and string values), with its path. */
export function jsonStringProblem(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return isWellFormed(value) ? undefined : `${path || 'value'}: a string must be well-formed Unicode (no lone surrogate)`
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = jsonStringProblem(value[i], `${path}[${i}]`)
      if (problem) return problem
    }
    return undefined
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (!isWellFormed(k)) return `${path}.${k}: a field name must be well-formed Unicode (no lone surrogate)`
      const problem = jsonStringProblem(v, `${path}.${k}`)
      if (problem) return problem
    }
  }
  return undefined
}
