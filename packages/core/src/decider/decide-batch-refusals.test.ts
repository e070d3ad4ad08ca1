import { describe, expect, it } from 'vitest'
import { counter, decodeHlc, encodeHlc, fieldMerge, hlcWall, set } from '@accord/core'
import type { Change, StandardSchemaV1 } from '@accord/core'
import { connectionOf, createHarness, type ChangeSpec } from '../../test/helpers.js'

const T = 1_000_000

function schemaOf(check: (value: Record<string, unknown>) => string | undefined, async = false): StandardSchemaV1 {
  const validate = (value: unknown): StandardSchemaV1.Result<unknown> => {
    const message = check(value as Record<string, unknown>)
    return message === undefined ? { value } : { issues: [{ message, path: ['votes'] }] }
  }
  return { '~standard': { version: 1, vendor: 'test', validate: async ? (value) => Promise.resolve(validate(value)) : validate } }
}

const nonNegativeVotes = schemaOf((v) => (typeof v['votes'] === 'number' && v['votes'] < 0 ? 'votes must not be negative' : undefined))

describe('a well-formed change that cannot stand rejects its whole transaction', () => {
  it('a merged record failing the schema: validation_failed, private, nothing of the transaction stays', () => {
    const h = createHarness({ items: { schema: nonNegativeVotes, policy: fieldMerge({ fields: { votes: counter() } }) } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.push(connectionOf(a), [a.put('c1', {}, { inc: { votes: 1 } }), a.put('c2', { title: 'u0' })])
    // Each replica saw votes = 1 and decremented to 0: valid locally, -1 once merged on the hub.
    h.push(connectionOf(b), [b.change({ op: 'patch', key: 'c1', base: 1, inc: { votes: -1 } })])
    const decision = h.push(connectionOf(a), a.transaction([
      { op: 'patch', key: 'c2', set: { title: 'u1' }, base: 2 },
      { op: 'patch', key: 'c1', inc: { votes: -1 }, base: 1 },
    ]))
    expect(h.view.value('items', 'c1')).toEqual({ id: 'c1', votes: 0 })
    expect(h.view.value('items', 'c2')).toEqual({ id: 'c2', title: 'u0', votes: 0 })
    expect(decision.ack).toMatchObject({ through: { w1: 4 }, rejected: [{ writer: 'w1', tx: 3, code: 'validation_failed' }] })
    expect(decision.commits.map((c) => c.rejected)).toEqual(['validation_failed', 'validation_failed'])
    expect(decision.conflicts).toHaveLength(1)
    expect(decision.conflicts[0]).toMatchObject({ code: 'validation_failed', rejected: true, private: true, policy: 'hub', writer: 'w1' })
    expect(decision.effects).toEqual([])
  })

  it('an async validator is deferred to the hub, with the transaction it belongs to', async () => {
    const h = createHarness({ items: { schema: schemaOf((v) => (v['title'] === 'bad' ? 'bad title' : undefined), true) } })
    const a = h.writer('r1', 'w1')
    const decision = h.push(connectionOf(a), [a.put('c1', { title: 'bad' })])
    expect(decision.pendingValidations).toHaveLength(1)
    expect(decision.pendingValidations[0]).toMatchObject({ tx: 'w1/1', col: 'items', key: 'c1' })
    expect((await decision.pendingValidations[0]?.result)?.issues?.[0]?.message).toBe('bad title')
  })

  it('a record over recordBytes: payload_too_large, private', () => {
    const h = createHarness({ items: {} }, { recordBytes: 100 })
    const a = h.writer('r1', 'w1')
    h.push(connectionOf(a), [a.put('c1', { title: 'small' })])
    const decision = h.push(connectionOf(a), [a.patch('c1', { title: 'x'.repeat(100) }, { base: 1 })])
    expect(decision.ack.rejected).toEqual([{ writer: 'w1', tx: 2, code: 'payload_too_large' }])
    expect(decision.conflicts[0]).toMatchObject({ code: 'payload_too_large', private: true })
    expect(h.view.value('items', 'c1')).toEqual({ id: 'c1', title: 'small' })
  })

  it('a patch on a missing record: missing_record, and the rest of its transaction is undone', () => {
    const h = createHarness({ items: {} })
    const a = h.writer('r1', 'w1')
    const decision = h.push(connectionOf(a), a.transaction([
      { op: 'put', key: 'c1', set: { id: 'c1', title: 'x' } },
      { op: 'patch', key: 'ghost', set: { title: 'y' } },
    ]))
    expect(decision.ack.rejected).toEqual([{ writer: 'w1', tx: 1, code: 'missing_record' }])
    expect(decision.commits[1]?.conflict).toMatchObject({ code: 'missing_record', private: true })
    expect(h.view.record('items', 'c1')).toBeUndefined()
  })

  it('a record whose creating transaction was rejected cannot be patched by the next one', () => {
    const h = createHarness({ items: {} }, { recordBytes: 60 })
    const a = h.writer('r1', 'w1')
    const decision = h.push(connectionOf(a), [a.put('c1', { title: 'y'.repeat(80) }), a.patch('c1', { title: 'ok' })])
    expect(decision.ack.rejected).toEqual([
      { writer: 'w1', tx: 1, code: 'payload_too_large' },
      { writer: 'w1', tx: 2, code: 'missing_record' },
    ])
    expect(h.view.head).toBe(2)
  })

  it('a transaction the hub’s hooks refused on an earlier pass is rejected with that code, privately', () => {
    const h = createHarness({ items: {} })
    const a = h.writer('r1', 'w1')
    const changes = [a.put('c1', { title: 'mine' }), a.put('c2', { title: 'fine' })]
    const decision = h.push(connectionOf(a), changes, { refused: new Map([['w1/1', { code: 'unauthorized', message: 'not yours' }]]) })
    expect(decision.ack.rejected).toEqual([{ writer: 'w1', tx: 1, code: 'unauthorized' }])
    expect(decision.commits[0]?.conflict).toMatchObject({ code: 'unauthorized', private: true, rejected: true })
    expect(h.view.record('items', 'c1')).toBeUndefined()
    expect(h.view.value('items', 'c2')).toEqual({ id: 'c2', title: 'fine' })
  })
})

describe('batch-level errors refuse the whole batch and write nothing', () => {
  function setup() {
    const h = createHarness({ items: { policy: fieldMerge({ fields: { votes: counter(), tags: set() } }) } })
    const a = h.writer('r1', 'w1')
    h.push(connectionOf(a), [a.put('c1', { title: 't0' })])
    return { h, a }
  }
  const refuse = (h: ReturnType<typeof setup>['h'], replica: string, writers: string[], changes: Change[]) => {
    const head = h.view.head
    const result = h.decide({ replica, writers: new Set(writers) }, changes)
    expect(h.view.head).toBe(head)
    if (result.ok) throw new Error('expected a batch error')
    return result.error
  }

  it('unknown_collection', () => {
    const { h, a } = setup()
    expect(refuse(h, 'r1', ['w1'], [a.change({ op: 'put', col: 'nope', key: 'x', set: { id: 'x' } })])).toMatchObject({ code: 'unknown_collection', details: { col: 'nope' } })
  })

  it('foreign_writer: a change naming another replica', () => {
    const { h } = setup()
    const other = h.writer('r2', 'w9')
    expect(refuse(h, 'r1', ['w9'], [other.put('c2', {})]).code).toBe('foreign_writer')
  })

  it('foreign_writer: a writer bound to another replica', () => {
    const { h } = setup()
    const thief = h.writer('r2', 'w1')
    expect(refuse(h, 'r2', ['w1'], [thief.put('c2', {})])).toMatchObject({ code: 'foreign_writer', details: { writer: 'w1' } })
  })

  it('out_of_order: a gap above the watermark, with the watermark', () => {
    const { h, a } = setup()
    a.put('skipped', {})
    expect(refuse(h, 'r1', ['w1'], [a.put('c2', {})])).toMatchObject({ code: 'out_of_order', details: { writer: 'w1', watermark: 1 } })
  })

  it('out_of_order: a jump inside the batch', () => {
    const { h, a } = setup()
    const first = a.put('c2', {})
    a.put('skipped', {})
    expect(refuse(h, 'r1', ['w1'], [first, a.put('c3', {})])).toMatchObject({ code: 'out_of_order', details: { watermark: 1 } })
  })

  it('tx_split: the batch ends inside a transaction', () => {
    const { h, a } = setup()
    const tx = a.transaction([{ op: 'put', key: 'c2', set: { id: 'c2' } }, { op: 'put', key: 'c3', set: { id: 'c3' } }])
    expect(refuse(h, 'r1', ['w1'], tx.slice(0, 1))).toMatchObject({ code: 'tx_split', details: { tx: 2 } })
  })

  it('tx_split: a transaction without its end followed by another', () => {
    const { h, a } = setup()
    const [open] = a.transaction([{ op: 'put', key: 'c2', set: { id: 'c2' } }, { op: 'put', key: 'c3', set: { id: 'c3' } }])
    const next = { ...a.put('c4', {}), n: 3 }
    expect(refuse(h, 'r1', ['w1'], [open as Change, next]).code).toBe('tx_split')
  })

  it('tx_split: another writer’s change inside an open transaction', () => {
    const { h, a } = setup()
    const other = h.writer('r1', 'w2')
    const [start, end] = a.transaction([{ op: 'put', key: 'c2', set: { id: 'c2' } }, { op: 'patch', key: 'ghost', set: { title: 'x' } }])
    // Decided as two runs, the rejected transaction would have kept its first half.
    const error = refuse(h, 'r1', ['w1', 'w2'], [start as Change, other.put('c3', {}), end as Change])
    expect(error).toMatchObject({ code: 'tx_split', details: { writer: 'w1', tx: 2 } })
  })

  it('tx_split: a transaction continuing after its end', () => {
    const { h, a } = setup()
    const first = a.put('c2', {})
    const second = { ...a.put('c3', {}), tx: first.tx }
    expect(refuse(h, 'r1', ['w1'], [first, second]).code).toBe('tx_split')
  })

  it.each<[string, ChangeSpec]>([
    ['a counter sent as a plain value', { op: 'patch', key: 'c1', base: 1, set: { votes: 3 } }],
    ['a set sent as unset', { op: 'patch', key: 'c1', base: 1, unset: ['tags'] }],
    ['inc on a plain field', { op: 'patch', key: 'c1', base: 1, inc: { title: 1 } }],
    ['add on a counter', { op: 'patch', key: 'c1', base: 1, add: { votes: [1] } }],
    ['a delete carrying fields', { op: 'delete', key: 'c1', base: 1, set: { title: 'x' } }],
    ['set.id other than the key', { op: 'patch', key: 'c1', base: 1, set: { id: 'c2' } }],
    ['unset id', { op: 'patch', key: 'c1', base: 1, unset: ['id'] }],
  ])('malformed: %s', (_name, spec) => {
    const { h, a } = setup()
    expect(refuse(h, 'r1', ['w1'], [a.change(spec)]).code).toBe('malformed')
  })
})

describe('duplicates', () => {
  it('a re-sent batch is acknowledged with the same through and applied nothing again', () => {
    const h = createHarness({ items: { policy: fieldMerge({ fields: { votes: counter() } }) } })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    const batch = a.transaction([
      { op: 'put', key: 'c1', set: { id: 'c1', title: 'A' }, inc: { votes: 1 } },
      { op: 'patch', key: 'c1', set: { body: 'x' }, inc: { votes: 1 } },
    ])
    const first = h.push(connectionOf(a), batch)
    h.push(connectionOf(b), [b.patch('c1', { title: 'B' }, { base: 2 })])
    const before = structuredClone(h.view.record('items', 'c1'))
    const again = h.push(connectionOf(a), batch)
    expect(again.commits).toEqual([])
    expect(again.records).toEqual([])
    expect(again.ack).toEqual({ through: { w1: 2 }, seq: 3, rejected: [] })
    expect(first.ack.through).toEqual(again.ack.through)
    expect(h.view.record('items', 'c1')).toEqual(before)
    expect(h.view.value('items', 'c1')).toEqual({ id: 'c1', title: 'B', body: 'x', votes: 2 })
  })

  it('settles only the new tail of a batch that starts with settled changes', () => {
    const h = createHarness({ items: { policy: fieldMerge({ fields: { votes: counter() } }) } })
    const a = h.writer('r1', 'w1')
    const settled = [a.put('c1', {}, { inc: { votes: 1 } })]
    h.push(connectionOf(a), settled)
    const tail = a.change({ op: 'patch', key: 'c1', base: 1, inc: { votes: 1 } })
    const decision = h.push(connectionOf(a), [...settled, tail])
    expect(decision.commits.map((c) => c.through)).toEqual([2])
    expect(h.view.value('items', 'c1')?.['votes']).toBe(2)
  })

  it('a re-sent rejected transaction is not decided again', () => {
    const h = createHarness({ items: {} })
    const a = h.writer('r1', 'w1')
    const ghost = [a.patch('ghost', { title: 'x' })]
    h.push(connectionOf(a), ghost)
    h.push(connectionOf(a), [a.put('ghost', { title: 'created' })])
    const again = h.push(connectionOf(a), ghost)
    expect(again.commits).toEqual([])
    expect(h.view.value('items', 'ghost')).toEqual({ id: 'ghost', title: 'created' })
  })
})

describe('clocks', () => {
  it('replaces an HLC further ahead than maxClockDriftMs with the hub’s own, and is not dragged along', () => {
    const h = createHarness({ items: {} }, { maxDriftMs: 60_000 })
    const a = h.writer('r1', 'w1')
    const b = h.writer('r2', 'w2')
    h.time.now = T
    const far = T + 3_600_000
    const decision = h.push(connectionOf(a), [a.put('c1', { title: 'future' }, { at: far })])
    const stamped = decision.commits[0]?.hlc['title'] as string
    expect(decodeHlc(stamped)).toMatchObject({ wall: T, node: 'hub' })
    expect(hlcWall(h.clock.peek())).toBe(T)
    // Not refused, and it does not win every later race.
    h.time.now = T + 1
    h.push(connectionOf(b), [b.patch('c1', { title: 'now' }, { base: 0, at: T + 1 })])
    expect(h.view.value('items', 'c1')?.['title']).toBe('now')
  })

  it('keeps an HLC within the drift bound verbatim and follows it', () => {
    const h = createHarness({ items: {} }, { maxDriftMs: 60_000 })
    const a = h.writer('r1', 'w1')
    const ahead = encodeHlc({ wall: T + 30_000, counter: 2, node: 'r1' })
    const decision = h.push(connectionOf(a), [a.put('c1', { title: 'soon' }, { hlc: ahead })])
    expect(decision.commits[0]?.hlc['title']).toBe(ahead)
    expect(h.clock.now() > ahead).toBe(true)
  })
})
