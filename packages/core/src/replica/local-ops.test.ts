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

  it('refuses an ordinary update of an absent record', () => {
    expect(() => planLocalOp({ op: 'update', col: 'goals', key: 'g1', patch: { text: 'x' } }, undefined, goals)).toThrow(expect.objectContaining({ code: 'not_found' }))
  })
})
