import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonSize } from './json-size.js'

/** What jsonSize replaces: the UTF-8 bytes of the JSON text, or the exception of building it. */
function reference(value: unknown): number | string {
  try {
    return new TextEncoder().encode(JSON.stringify(value) ?? '').length
  } catch (error) {
    return `throws ${(error as Error).name}`
  }
}

function measured(value: unknown): number | string {
  try {
    return jsonSize(value)
  } catch (error) {
    return `throws ${(error as Error).name}`
  }
}

describe('jsonSize', () => {
  it('counts what JSON.stringify writes, for any value, or throws as it does', () => {
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withSet: true,
      withNullPrototype: true,
      withObjectString: true,
      withSparseArray: true,
      withTypedArray: true,
      withUnicodeString: true,
      key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'toJSON', 'a"b', 'é', '\u2028', '\ud800')),
    })
    const strings = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)) }))
    fc.assert(
      fc.property(fc.oneof(anything, fc.jsonValue(), strings, fc.constantFrom(-0, NaN, -Infinity, 1e21, 5e-324, undefined, () => 1, Symbol('s'))), (value) => {
        expect(measured(value)).toBe(reference(value))
      }),
      { numRuns: 5000 },
    )
  })

  it('follows toJSON, arrays with holes and left-out members as JSON.stringify does', () => {
    const cases: unknown[] = [
      { a: undefined, b: () => 1, c: Symbol('x'), d: 1 },
      [undefined, () => 1, Symbol('x')],
      { toJSON: () => ({ shorter: true }) },
      Object.assign([1, 2], { toJSON: () => 'arr' }),
      { when: new Date(0) },
      // eslint-disable-next-line no-sparse-arrays
      [1, , 3],
      { nested: { deeper: ['"quoted"', '\\', '\n\u0001', 'é€😀'] } },
    ]
    for (const value of cases) expect(measured(value)).toBe(reference(value))
  })

  it('throws on what JSON.stringify cannot encode', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic['self'] = cyclic
    expect(() => jsonSize(cyclic)).toThrow(TypeError)
    expect(() => jsonSize({ n: 1n })).toThrow(TypeError)
  })
})
