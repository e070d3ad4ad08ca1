import { describe, expect, it } from 'vitest'
import { defineSchema, manual } from '../index.js'
import { planLocalOp } from './local-ops.js'

const schema = defineSchema({ version: 1, collections: { goals: { policy: manual() } } })
const goals = schema.collection('goals')

describe('planLocalOp', () => {
  it('resolves a conflict whose record is gone here (the hub resurrects it)', () => {
    const body = planLocalOp({ op: 'resolve', col: 'goals', key: 'g1', conflictId: 7, values: { text: 'kept' } }, undefined, goals)
    expect(body).toEqual({ col: 'goals', key: 'g1', op: 'patch', set: { text: 'kept' }, resolves: 7 })
  })

  it('refuses keys, field names and strings the hub would refuse, before writing', () => {
    const refused = (op: Parameters<typeof planLocalOp>[0]) => () => planLocalOp(op, { id: 'g1' }, goals)
    const failed = expect.objectContaining({ code: 'validation_failed' })
    expect(refused({ op: 'put', col: 'goals', value: { id: 'a\ud800' } })).toThrow(failed)
    expect(refused({ op: 'put', col: 'goals', value: { id: 'x'.repeat(513) } })).toThrow(failed)
    expect(refused({ op: 'update', col: 'goals', key: 'g1', patch: { text: 'lone \udc00' } })).toThrow(failed)
    expect(refused({ op: 'update', col: 'goals', key: 'g1', patch: JSON.parse('{"__proto__": 1}') as Record<string, number> })).toThrow(failed)
    expect(refused({ op: 'update', col: 'goals', key: 'g1', patch: { nested: { 'k\ud800': 1 } } })).toThrow(failed)
    expect(planLocalOp({ op: 'update', col: 'goals', key: 'g1', patch: { text: 'emoji 😀 fine' } }, { id: 'g1' }, goals)).toBeDefined()
  })

  it('refuses an ordinary update of an absent record', () => {
    expect(() => planLocalOp({ op: 'update', col: 'goals', key: 'g1', patch: { text: 'x' } }, undefined, goals)).toThrow(expect.objectContaining({ code: 'not_found' }))
  })
})
