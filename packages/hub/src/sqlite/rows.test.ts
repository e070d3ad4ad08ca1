import fc from 'fast-check'
import type { HubRecordState } from '@accord/core'
import { describe, expect, it } from 'vitest'
import { fieldsJson } from './rows.js'

describe('fieldsJson', () => {
  it('writes exactly what JSON.stringify writes, shared FieldMeta objects included', () => {
    const meta = fc.record({ v: fc.nat(), hlc: fc.string(), w: fc.option(fc.string(), { nil: undefined }) }, { requiredKeys: ['v', 'hlc'] })
    const key = fc.oneof(fc.string(), fc.constantFrom('id', '__proto__', 'a"b', 'é', '\\', '\u2028', '\ud800', '10', '2'))
    const anything = fc.anything({ withBigInt: false, withDate: true, withMap: true, withNullPrototype: true, withBoxedValues: true })
    // Fields written by one change share one object; the rest are their own, or anything at all.
    const fields = fc.tuple(meta, fc.array(fc.tuple(key, fc.oneof(fc.constant('shared' as const), meta, anything, fc.constant(undefined))), { maxLength: 10 })).map(([shared, entries]) => {
      const out: Record<string, unknown> = {}
      for (const [k, v] of entries) Object.defineProperty(out, k, { value: v === 'shared' ? shared : v, enumerable: true, writable: true, configurable: true })
      return out as HubRecordState['fields']
    })
    fc.assert(
      fc.property(fc.oneof(fields, anything.filter((v) => typeof v === 'object' && v !== null) as fc.Arbitrary<HubRecordState['fields']>), (value) => {
        expect(fieldsJson(value)).toBe(JSON.stringify(value))
      }),
      { numRuns: 3000 },
    )
  })

  it('passes each member its own key when it has a toJSON, as JSON.stringify does', () => {
    const meta = { v: 1, hlc: 'h', toJSON: (key: string) => `as ${key}` }
    const value = { a: meta, b: meta } as unknown as HubRecordState['fields']
    expect(fieldsJson(value)).toBe(JSON.stringify(value))
  })
})
