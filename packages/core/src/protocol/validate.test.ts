import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION, validateChange, validateHandshake, validatePullRequest, validatePushRequest } from '@accord/core'
import type { ValidationResult } from '@accord/core'

const limits = { batchChanges: 10, batchBytes: 10_000 }

function change(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    writer: 'w1',
    n: 1,
    replica: 'r1',
    tx: 1,
    txEnd: true,
    col: 'cards',
    key: 'c1',
    hlc: '000000001000-0000-r1',
    op: 'patch',
    ord: 1,
    set: { title: 'Hi' },
    base: 3,
    ...overrides,
  }
}

function push(changes: unknown[], overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { v: PROTOCOL_VERSION, changes, ...overrides }
}

function errorOf<T>(result: ValidationResult<T>): { code: string; path: unknown } {
  if (result.ok) throw new Error(`expected a refusal, got ${JSON.stringify(result.value)}`)
  return { code: result.error.code, path: (result.error.details as { path?: unknown } | undefined)?.path }
}

describe('validatePushRequest: malformed changes', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['n zero', { n: 0 }, 'push.changes[0].n'],
    ['n fractional', { n: 1.5 }, 'push.changes[0].n'],
    ['n as a string', { n: '1' }, 'push.changes[0].n'],
    ['n beyond safe integers', { n: 2 ** 53 }, 'push.changes[0].n'],
    ['tx negative', { tx: -1 }, 'push.changes[0].tx'],
    ['ord zero', { ord: 0 }, 'push.changes[0].ord'],
    ['base negative', { base: -1 }, 'push.changes[0].base'],
    ['base fractional', { base: 0.5 }, 'push.changes[0].base'],
    ['writer with a space', { writer: 'w 1' }, 'push.changes[0].writer'],
    ['writer too long', { writer: 'w'.repeat(129) }, 'push.changes[0].writer'],
    ['replica empty', { replica: '' }, 'push.changes[0].replica'],
    ['col not an id', { col: 'cards/x' }, 'push.changes[0].col'],
    ['key empty', { key: '' }, 'push.changes[0].key'],
    ['key with NUL', { key: 'a\u0000b' }, 'push.changes[0].key'],
    ['key too long', { key: 'k'.repeat(513) }, 'push.changes[0].key'],
    ['key with a lone surrogate', { key: 'a\ud800' }, 'push.changes[0].key'],
    ['set value with a lone surrogate', { set: { title: 'x\udc00' } }, 'push.changes[0].set.title'],
    ['set field name with a lone surrogate', { set: { 't\ud800': 1 } }, 'push.changes[0].set.t\ud800'],
    ['nested key with a lone surrogate', { set: { meta: { 'k\udbff': 1 } } }, 'push.changes[0].set.meta.k\udbff'],
    ['hlc not an HLC', { hlc: '2024-01-01T00:00:00Z' }, 'push.changes[0].hlc'],
    ['hlc upper-case hex', { hlc: '00000000100A-0000-r1' }, 'push.changes[0].hlc'],
    ['unknown op', { op: 'upsert' }, 'push.changes[0].op'],
    ['txEnd false', { txEnd: false }, 'push.changes[0].txEnd'],
    ['set an array', { set: ['title'] }, 'push.changes[0].set'],
    ['set value NaN', { set: { score: Number.NaN } }, 'push.changes[0].set.score'],
    ['set value a function', { set: { f: () => 1 } }, 'push.changes[0].set.f'],
    ['set value a Date', { set: { at: new Date(0) } }, 'push.changes[0].set.at'],
    ['set field __proto__', { set: JSON.parse('{"__proto__": {"polluted": true}}') as unknown }, 'push.changes[0].set.__proto__'],
    ['prev a string', { prev: 'x' }, 'push.changes[0].prev'],
    ['unset not an array', { unset: 'title' }, 'push.changes[0].unset'],
    ['unset element a number', { unset: ['title', 3] }, 'push.changes[0].unset[1]'],
    ['inc Infinity', { inc: { votes: Number.POSITIVE_INFINITY } }, 'push.changes[0].inc.votes'],
    ['inc a string', { inc: { votes: '1' } }, 'push.changes[0].inc.votes'],
    ['add not arrays', { add: { tags: 'x' } }, 'push.changes[0].add.tags'],
    ['remove element undefined', { remove: { tags: [undefined] } }, 'push.changes[0].remove.tags[0]'],
    ['fieldBase negative', { fieldBase: { title: -2 } }, 'push.changes[0].fieldBase.title'],
    ['resolves zero', { resolves: 0 }, 'push.changes[0].resolves'],
    ['unknown key', { extra: 1 }, 'push.changes[0].extra'],
    ['put without set', { op: 'put', set: undefined }, 'push.changes[0].set'],
    ['required writer missing', { writer: undefined }, 'push.changes[0].writer'],
  ]
  it.each(cases)('%s → malformed at its path', (_name, overrides, path) => {
    expect(errorOf(validatePushRequest(push([change(overrides)]), limits))).toEqual({ code: 'malformed', path })
  })

  it('refuses JSON nested deeper than the limit', () => {
    let deep: unknown = 1
    for (let i = 0; i < 100; i++) deep = { d: deep }
    expect(errorOf(validatePushRequest(push([change({ set: { deep } })]), { batchChanges: 10, batchBytes: 1e6 })).code).toBe('malformed')
  })

  it('names the failing change by index', () => {
    const ok = change()
    expect(errorOf(validatePushRequest(push([ok, change({ n: 2, ord: 'x' })]), limits)).path).toBe('push.changes[1].ord')
  })
})

describe('validatePushRequest: request level', () => {
  it('accepts a well-formed push and returns a clean copy', () => {
    const input = push([change({ prev: { title: 'Old' }, fieldBase: { title: 2 }, unset: ['note'], inc: { votes: -1.5 }, add: { tags: ['a', { k: [1] }] }, remove: { tags: [] } })])
    const result = validatePushRequest(JSON.parse(JSON.stringify(input)) as unknown, limits)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    expect(result.value).toEqual(input)
    expect(result.value.changes[0]).not.toBe((input['changes'] as unknown[])[0])
  })

  it('treats undefined-valued optional keys as absent, as JSON would', () => {
    const result = validatePushRequest(push([change({ prev: undefined, resolves: undefined, set: { title: 'x', gone: undefined } })]), limits)
    expect(result.ok && result.value.changes[0]).toEqual(change({ set: { title: 'x' } }))
  })

  it('keeps a nested __proto__ key as plain data without touching prototypes', () => {
    const set = JSON.parse('{"meta": {"__proto__": {"admin": true}}}') as unknown
    const result = validatePushRequest(push([change({ set })]), limits)
    expect(result.ok).toBe(true)
    if (!result.ok) return
    const meta = result.value.changes[0]?.set?.['meta'] as Record<string, unknown>
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype)
    expect(Object.keys(meta)).toEqual(['__proto__'])
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined()
  })

  const requestCases: [string, unknown, string, unknown][] = [
    ['null', null, 'malformed', 'push'],
    ['an array', [], 'malformed', 'push'],
    ['a class instance', new (class Push { v = 1; changes = [] })(), 'malformed', 'push'],
    ['missing v', { changes: [] }, 'malformed', 'push.v'],
    ['another protocol version', { v: PROTOCOL_VERSION + 1, changes: [] }, 'malformed', 'push.v'],
    ['changes not an array', { v: PROTOCOL_VERSION, changes: {} }, 'malformed', 'push.changes'],
    ['an unknown top-level key', { v: PROTOCOL_VERSION, changes: [], admin: true }, 'malformed', 'push.admin'],
    ['a change that is not an object', { v: PROTOCOL_VERSION, changes: [42] }, 'malformed', 'push.changes[0]'],
  ]
  it.each(requestCases)('%s → %s', (_name, input, code, path) => {
    expect(errorOf(validatePushRequest(input, limits))).toEqual({ code, path })
  })

  it('refuses more changes than batchChanges with too_many_changes', () => {
    const changes = Array.from({ length: 11 }, (_, i) => change({ n: i + 1, ord: i + 1 }))
    const result = validatePushRequest(push(changes), limits)
    expect(errorOf(result).code).toBe('too_many_changes')
    expect(!result.ok && result.error.details).toMatchObject({ count: 11, limit: 10 })
    expect(validatePushRequest(push(changes.slice(0, 10)), limits).ok).toBe(true)
  })

  it('refuses a request over batchBytes with payload_too_large, counting UTF-8 bytes', () => {
    const request = push([change({ set: { title: 'é'.repeat(400) } })])
    const bytes = Buffer.byteLength(JSON.stringify(request), 'utf8')
    expect(validatePushRequest(request, { batchChanges: 10, batchBytes: bytes }).ok).toBe(true)
    const result = validatePushRequest(request, { batchChanges: 10, batchBytes: bytes - 1 })
    expect(errorOf(result).code).toBe('payload_too_large')
    expect(!result.ok && result.error.details).toMatchObject({ bytes, limit: bytes - 1 })
  })

  it('never throws on a cyclic, a getter-throwing or a BigInt input', () => {
    const cyclic: Record<string, unknown> = { v: PROTOCOL_VERSION, changes: [] }
    ;(cyclic['changes'] as unknown[]).push(cyclic)
    const hostile = { v: PROTOCOL_VERSION, get changes(): unknown[] { throw new Error('boom') } }
    for (const input of [cyclic, hostile, push([change({ n: 1n })]), push([change({ set: { big: 1n } })])]) {
      const result = validatePushRequest(input, { batchChanges: 10, batchBytes: 1e6 })
      expect(errorOf(result).code).toBe('malformed')
    }
  })
})

describe('validateChange', () => {
  it('accepts a delete without fields and a put with set', () => {
    expect(validateChange(change({ op: 'delete', set: undefined })).ok).toBe(true)
    expect(validateChange(change({ op: 'put', set: { id: 'c1' } })).ok).toBe(true)
  })

  it('reports paths rooted at change', () => {
    expect(errorOf(validateChange(change({ hlc: 5 })))).toEqual({ code: 'malformed', path: 'change.hlc' })
  })
})

describe('validateHandshake', () => {
  const good = { protocol: PROTOCOL_VERSION, schemaVersion: 1, replicaId: 'r1', writers: ['w1', 'w2'], space: 'team-1', token: 'secret' }

  it('accepts a good handshake, with a token or null', () => {
    expect(validateHandshake(good)).toEqual({ ok: true, value: good })
    expect(validateHandshake({ ...good, token: null }).ok).toBe(true)
  })

  const cases: [string, Record<string, unknown>, string, string][] = [
    ['token missing', { token: undefined }, 'malformed', 'handshake.token'],
    ['token a number', { token: 7 }, 'malformed', 'handshake.token'],
    ['token too long', { token: 'x'.repeat(20_000) }, 'malformed', 'handshake.token'],
    ['writers not an array', { writers: 'w1' }, 'malformed', 'handshake.writers'],
    ['a writer not an id', { writers: ['w1', 'bad id'] }, 'malformed', 'handshake.writers[1]'],
    ['too many writers', { writers: Array.from({ length: 1025 }, (_, i) => `w${i}`) }, 'malformed', 'handshake.writers'],
    ['replicaId missing', { replicaId: undefined }, 'malformed', 'handshake.replicaId'],
    ['space not an id', { space: '../etc' }, 'malformed', 'handshake.space'],
    ['schemaVersion zero', { schemaVersion: 0 }, 'malformed', 'handshake.schemaVersion'],
    ['an unknown key', { v: 1 }, 'malformed', 'handshake.v'],
    ['protocol zero', { protocol: 0 }, 'malformed', 'handshake.protocol'],
    ['protocol a string', { protocol: '1' }, 'malformed', 'handshake.protocol'],
    ['a newer protocol', { protocol: PROTOCOL_VERSION + 1 }, 'hub_too_old', 'handshake.protocol'],
    ['a newer protocol of another shape', { protocol: PROTOCOL_VERSION + 1, token: undefined, session: 'x' }, 'hub_too_old', 'handshake.protocol'],
  ]
  it.each(cases)('%s → %s', (_name, overrides, code, path) => {
    expect(errorOf(validateHandshake({ ...good, ...overrides }))).toEqual({ code, path })
  })
})

describe('validatePullRequest', () => {
  const good = { v: PROTOCOL_VERSION, since: 0, limit: 100 }

  it('accepts a good pull, with or without cols', () => {
    expect(validatePullRequest(good)).toEqual({ ok: true, value: good })
    expect(validatePullRequest({ ...good, since: 42, cols: ['cards', 'invoices'] }).ok).toBe(true)
  })

  const cases: [string, Record<string, unknown>, string, string][] = [
    ['since negative', { since: -1 }, 'bad_cursor', 'pull.since'],
    ['since fractional', { since: 1.5 }, 'bad_cursor', 'pull.since'],
    ['since a string', { since: '10' }, 'bad_cursor', 'pull.since'],
    ['since missing', { since: undefined }, 'malformed', 'pull.since'],
    ['limit zero', { limit: 0 }, 'malformed', 'pull.limit'],
    ['limit above the default cap', { limit: 1001 }, 'malformed', 'pull.limit'],
    ['cols with a non-id', { cols: ['cards', ''] }, 'malformed', 'pull.cols[1]'],
    ['wrong v', { v: 0 }, 'malformed', 'pull.v'],
    ['unknown key', { until: 5 }, 'malformed', 'pull.until'],
  ]
  it.each(cases)('%s → %s', (_name, overrides, code, path) => {
    expect(errorOf(validatePullRequest({ ...good, ...overrides }))).toEqual({ code, path })
  })

  it('honours maxLimit', () => {
    expect(validatePullRequest({ ...good, limit: 50 }, { maxLimit: 50 }).ok).toBe(true)
    expect(errorOf(validatePullRequest({ ...good, limit: 51 }, { maxLimit: 50 })).code).toBe('malformed')
  })
})
