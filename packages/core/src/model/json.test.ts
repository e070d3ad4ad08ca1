import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cloneJson } from './json.js'

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
