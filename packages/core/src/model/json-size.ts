/**
 * The UTF-8 size of `JSON.stringify(value)`, computed by walking the value instead of building
 * the text: the hub checks the size of every record it writes and of every push it receives, and
 * building the JSON only to count it was a tenth of the decider's time. Anything the walk does
 * not model exactly (a `toJSON`, a BigInt, a Date, a Map, a boxed primitive, a class instance, a
 * cycle) makes it count the text itself, with the same result and the same exceptions.
 */
export function jsonSize(value: unknown): number {
  try {
    return valueSize(value, 0) ?? 0
  } catch (error) {
    if (error !== UNMODELED) throw error
    return utf8Length(JSON.stringify(value) ?? '')
  }
}

/** Thrown inside the walk only: `jsonSize` then counts the text itself. */
const UNMODELED = Symbol('unmodeled')
/** Deeper than this, the walk hands over to JSON.stringify (which also reports cycles). */
const MAX_DEPTH = 512
/** A string JSON writes as it is, between quotes, one byte per character. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/
const NON_ASCII = /[^\x00-\x7f]/

/** Bytes of a value's JSON, or undefined where JSON.stringify leaves it out (undefined, a function, a symbol). */
function valueSize(value: unknown, depth: number): number | undefined {
  switch (typeof value) {
    case 'string':
      return stringSize(value)
    case 'number':
      return Number.isFinite(value) ? String(value).length : 4
    case 'boolean':
      return value ? 4 : 5
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined
    case 'object': {
      if (value === null) return 4
      if (depth > MAX_DEPTH) throw UNMODELED
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') throw UNMODELED
      if (Array.isArray(value)) {
        let size = 2 + Math.max(0, value.length - 1)
        for (let i = 0; i < value.length; i++) size += valueSize(value[i], depth + 1) ?? 4
        return size
      }
      const proto = Object.getPrototypeOf(value) as unknown
      if (proto !== Object.prototype && proto !== null) throw UNMODELED
      const obj = value as Record<string, unknown>
      let size = 2
      let members = 0
      for (const key of Object.keys(obj)) {
        const member = valueSize(obj[key], depth + 1)
        if (member === undefined) continue
        size += stringSize(key) + 1 + member
        members += 1
      }
      return size + Math.max(0, members - 1)
    }
    default:
      // A BigInt: JSON.stringify throws, and must be the one to.
      throw UNMODELED
  }
}

function stringSize(text: string): number {
  return PLAIN.test(text) ? text.length + 2 : utf8Length(JSON.stringify(text))
}

/** UTF-8 bytes of a JSON text (JSON.stringify never leaves a lone surrogate in it). */
export function utf8Length(text: string): number {
  if (!NON_ASCII.test(text)) return text.length
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 4
      i++
    } else bytes += 3
  }
  return bytes
}
