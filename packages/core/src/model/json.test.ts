import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cloneJson, cloneRecord, jsonBytes, type RecordValue } from './json.js'

/** What cloneJson did before its fast path for primitives: the JSON round trip for everything. */
const roundTrip = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T))

describe('cloneJson', () => {
  it('returns exactly what the JSON round trip returns, for any JSON-like value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.double(), fc.string(), fc.constantFrom(-0, NaN, Infinity, -Infinity, null, true, false)), (value) => {
        expect(Object.is(cloneJson(value), roundTrip(value)) || JSON.stringify(cloneJson(value)) === JSON.stringify(roundTrip(value))).toBe(true)
        if (typeof value === 'number') expect(Object.is(cloneJson(value), roundTrip(value))).toBe(true)
      }),
      { numRuns: 2000 },
    )
  })

  it('keeps -0, NaN and the infinities on the round trip (they become 0 and null, as before)', () => {
    expect(Object.is(cloneJson(-0), 0)).toBe(true)
    expect(cloneJson(NaN)).toBeNull()
    expect(cloneJson(Infinity)).toBeNull()
  })

  it('still copies objects and arrays deeply', () => {
    const value = { a: [1, { b: 'x' }], c: null }
    const copy = cloneJson(value)
    expect(copy).toEqual(value)
    expect(copy).not.toBe(value)
    expect(copy.a).not.toBe(value.a)
    expect(copy.a[1]).not.toBe(value.a[1])
  })

  it('returns undefined for undefined', () => {
    expect(cloneJson(undefined)).toBeUndefined()
  })
})

describe('cloneRecord', () => {
  it('returns exactly what the JSON round trip of the whole record returns', () => {
    const field = fc.oneof(fc.jsonValue(), fc.double(), fc.constantFrom(-0, NaN, Infinity, undefined, '\u2028'))
    const key = fc.oneof(fc.string(), fc.constantFrom('__proto__', '0', '10', 'constructor', 'toJSON'))
    fc.assert(
      fc.property(fc.dictionary(key, field, { maxKeys: 8 }), (value) => {
        const record = value as RecordValue
        const copy = cloneRecord(record)
        expect(JSON.stringify(copy)).toBe(JSON.stringify(roundTrip(record)))
        expect(Object.keys(copy)).toEqual(Object.keys(roundTrip(record)))
        expect(Object.getPrototypeOf(copy)).toBe(Object.prototype)
      }),
      { numRuns: 2000 },
    )
  })

  it('copies nested values, never sharing them with the original', () => {
    const value: RecordValue = { id: 'a', tags: ['x'], meta: { n: 1 } }
    const copy = cloneRecord(value)
    expect(copy).toEqual(value)
    expect(copy['tags']).not.toBe(value['tags'])
    expect(copy['meta']).not.toBe(value['meta'])
  })
})

describe('jsonBytes', () => {
  it('counts the UTF-8 bytes of the JSON text, ASCII or not', () => {
    const utf8 = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value) ?? '').length
    const latin1 = fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)) })
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), latin1, fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), fc.string()), (value) => {
        expect(jsonBytes(value)).toBe(utf8(value))
      }),
      { numRuns: 2000 },
    )
    expect(jsonBytes({ a: 'é€😀' })).toBe(8 + 2 + 3 + 4)
    expect(jsonBytes('é')).toBe(2 + 2)
    expect(jsonBytes(undefined)).toBe(0)
  })
})
