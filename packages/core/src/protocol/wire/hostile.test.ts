import { describe, expect, it } from 'vitest'
import { DECLARED, EPOCH, REPLICA } from '../../../test/wire-arbitraries.js'
import { validatePushRequest } from '../validate.js'
import { decodeWireCommits, decodeWirePage, decodeWirePush } from './index.js'

const ctx = { replica: REPLICA, writers: DECLARED, epoch: EPOCH }
const good = [12291, 'items', 'k1', 0, 5, { title: 'x' }, ['old'], 1, 1]

/** Decodes, then validates as the hub does: the code and path a hostile frame gets. */
function judge(input: unknown): { code: string; path: unknown } | 'ok' {
  const decoded = decodeWirePush(input, ctx)
  const checked = decoded.ok ? validatePushRequest(decoded.value, { batchChanges: 500, batchBytes: 1_000_000 }) : decoded
  if (checked.ok) return 'ok'
  return { code: checked.error.code, path: (checked.error.details as { path?: unknown } | undefined)?.path }
}

describe('hostile compact pushes', () => {
  it('accepts the well-formed reference frame', () => {
    expect(judge([good])).toBe('ok')
  })

  const cases: Array<[string, unknown, string]> = [
    ['not an array', { 0: good }, 'push'],
    ['a change that is not a tuple', ['x'], 'push[0]'],
    ['a tuple too short', [[0, 'items', 'k1', 0]], 'push[0]'],
    ['fractional flags', [[0.5, ...good.slice(1)]], 'push[0][0]'],
    ['negative flags', [[-1, ...good.slice(1)]], 'push[0][0]'],
    ['unknown flag bits', [[65536 | 12291, ...good.slice(1)]], 'push[0][0]'],
    ['put and delete at once', [[12291 | 4 | 8, ...good.slice(1)]], 'push[0][0]'],
    ['a missing extra', [good.slice(0, 8)], 'push[0][8]'],
    ['a trailing element', [[...good, 7]], 'push[0][9]'],
    ['a first change without n', [[3 | 8192, 'items', 'k1', 0, 5, { title: 'x' }, ['old'], 1]], 'push[0]'],
    ['a writer index out of range', [[12291 | 2048, 'items', 'k1', 0, 5, { title: 'x' }, ['old'], 9, 1, 1]], 'push[0][7]'],
    ['a negative writer index', [[12291 | 2048, 'items', 'k1', 0, 5, { title: 'x' }, ['old'], -1, 1, 1]], 'push[0][7]'],
    ['an HLC counter out of range', [[12291, 'items', 'k1', 0, [1, 0x10000], { title: 'x' }, ['old'], 1, 1]], 'push[0][4]'],
    ['an HLC pair of three', [[12291, 'items', 'k1', 0, [1, 1, 1], { title: 'x' }, ['old'], 1, 1]], 'push[0][4]'],
    ['an HLC wall before 1970', [[12291, 'items', 'k1', 0, -EPOCH - 1, { title: 'x' }, ['old'], 1, 1]], 'push[0][4]'],
    ['an HLC wall past 2^48', [[12291, 'items', 'k1', 0, 2 ** 48, { title: 'x' }, ['old'], 1, 1]], 'push[0][4]'],
    ['an HLC of the wrong type', [[12291, 'items', 'k1', 0, true, { title: 'x' }, ['old'], 1, 1]], 'push[0][4]'],
    ['an aligned prev of the wrong length', [[12291, 'items', 'k1', 0, 5, { title: 'x' }, ['old', 'extra'], 1, 1]], 'push[0][6]'],
    ['an aligned prev with set not an object', [[12291, 'items', 'k1', 0, 5, ['title'], ['old'], 1, 1]], 'push[0][6]'],
    // Decoded fine, refused by the logical validator with its own paths:
    ['a bad collection id', [[12291, 'no spaces', 'k1', 0, 5, { title: 'x' }, ['old'], 1, 1]], 'push.changes[0].col'],
    ['a non-integer base', [[12291, 'items', 'k1', 0.5, 5, { title: 'x' }, ['old'], 1, 1]], 'push.changes[0].base'],
    ['a full HLC that is not one', [[12291, 'items', 'k1', 0, 'yesterday', { title: 'x' }, ['old'], 1, 1]], 'push.changes[0].hlc'],
    ['a __proto__ field through aligned prev', [[12291, 'items', 'k1', 0, 5, JSON.parse('{"__proto__":1}') as unknown, ['old'], 1, 1]], 'push.changes[0].set.__proto__'],
    ['an n of zero', [[12291, 'items', 'k1', 0, 5, { title: 'x' }, ['old'], 0, 1]], 'push.changes[0].n'],
    ['a put without set', [[4 | 4096 | 8192, 'items', 'k1', 0, 5, 1, 1]], 'push.changes[0].set'],
  ]
  it.each(cases)('%s is malformed', (_name, input, path) => {
    expect(judge(input)).toEqual({ code: 'malformed', path })
  })

  it('a change whose getter throws is malformed, never a throw', () => {
    const trap = new Proxy([], { get: () => { throw new Error('boom') } })
    expect(decodeWirePush([trap], ctx)).toMatchObject({ ok: false, error: { code: 'malformed' } })
    expect(decodeWirePush(new Proxy([], { get: () => { throw new Error('boom') } }), ctx)).toMatchObject({ ok: false, error: { code: 'malformed' } })
  })

  it('a connection that declared no writer must name one', () => {
    expect(decodeWirePush([good], { ...ctx, writers: [] })).toMatchObject({ ok: false, error: { code: 'malformed', details: { path: 'push[0]' } } })
  })
})

describe('hostile compact broadcasts', () => {
  const commit = [7, 1, 'items', 'k1', { title: 'x' }, 5, [REPLICA, 'w1', 1, 1]]
  it('decodes the reference frame', () => {
    expect(decodeWireCommits([1, commit]).ok).toBe(true)
  })
  const cases: Array<[string, unknown, string]> = [
    ['not an array', { seq: 1 }, 'commits'],
    ['a fractional first seq', [1.5, commit], 'commits[0]'],
    ['a commit too short', [1, [7, 1, 'items']], 'commits[1]'],
    ['HLC and HLC map at once', [1, [7 | 64, ...commit.slice(1)]], 'commits[1][0]'],
    ['an author run of the wrong types', [1, [7, 1, 'items', 'k1', { title: 'x' }, 5, [1, 'w1', 1, 1]]], 'commits[1].run[0]'],
    ['set not an object', [1, [7, 1, 'items', 'k1', [], 5, [REPLICA, 'w1', 1, 1]]], 'commits[1][4]'],
    ['a node-less HLC without by', [1, [7, 1, 'items', 'k1', { title: 'x' }, 5, [null, 'w1', 1, 1]]], 'commits[1][5]'],
    ['unset not field names', [1, [7 | 16, 1, 'items', 'k1', { title: 'x' }, 5, [REPLICA, 'w1', 1, 1], [1]]], 'commits[1][7]'],
    ['an HLC map of non-strings', [1, [1 | 4 | 64, 1, 'items', 'k1', { title: 'x' }, [REPLICA, 'w1', 1, 1], { title: 1 }]], 'commits[1][6].title'],
    ['a trailing element', [1, [...commit, 0]], 'commits[1][7]'],
  ]
  it.each(cases)('%s is malformed', (_name, input, path) => {
    const decoded = decodeWireCommits(input)
    expect(decoded.ok ? 'ok' : { code: decoded.error.code, path: (decoded.error.details as { path: string }).path }).toEqual({ code: 'malformed', path })
  })
})

describe('hostile room copies (wire 3: no author runs)', () => {
  const commit = [3, 1, 'items', 'k1', { title: 'x' }, 5]
  it('decodes the reference frame, with no author and the unknown node', () => {
    expect(decodeWireCommits([1, commit, [3, 0, 'items', 'k2', { title: 'y' }, [0, 2]]])).toEqual({
      ok: true,
      value: {
        v: 1,
        commits: [
          { seq: 1, pv: 0, col: 'items', key: 'k1', set: { title: 'x' }, hlc: { title: '000000000005-0000-_' } },
          { seq: 2, pv: 2, col: 'items', key: 'k2', set: { title: 'y' }, hlc: { title: '000000000005-0002-_' } },
        ],
      },
    })
  })
  const cases: Array<[string, unknown, string]> = [
    ['an author run after the first commit', [1, commit, [7, 1, 'items', 'k1', { title: 'x' }, 5, [REPLICA, 'w1', 1, 1]]], 'commits[2][0]'],
    ['a same-tx flag (no run to continue)', [1, [3 | 8, 1, 'items', 'k1', { title: 'x' }, 5]], 'commits[1][0]'],
    ['an HLC wall before 1970', [1, [3, 1, 'items', 'k1', { title: 'x' }, -1]], 'commits[1][5]'],
    ['an HLC wall past 2^48', [1, commit, [3, 1, 'items', 'k1', { title: 'x' }, 2 ** 48]], 'commits[2][5]'],
    ['an HLC counter of 0 in a pair', [1, [3, 1, 'items', 'k1', { title: 'x' }, [5, 0]]], 'commits[1][5]'],
    ['an HLC of the wrong type', [1, [3, 1, 'items', 'k1', { title: 'x' }, null]], 'commits[1][5]'],
    ['a trailing element', [1, [...commit, 0]], 'commits[1][6]'],
  ]
  it.each(cases)('%s is malformed', (_name, input, path) => {
    const decoded = decodeWireCommits(input)
    expect(decoded.ok ? 'ok' : { code: decoded.error.code, path: (decoded.error.details as { path: string }).path }).toEqual({ code: 'malformed', path })
  })

  it('a commit whose getter throws is malformed, never a throw', () => {
    const trap = new Proxy([], { get: () => { throw new Error('boom') } })
    expect(decodeWireCommits([1, trap])).toMatchObject({ ok: false, error: { code: 'malformed' } })
  })
})

describe('hostile compact pages', () => {
  const record = ['items', 'a', 10, 5, { id: 'a' }]
  const page = (...records: unknown[]): unknown[] => [12, 12, 0, null, {}, [], ['r1'], ...records]
  it('decodes the reference frame', () => {
    expect(decodeWirePage(page(record))).toMatchObject({ ok: true, value: { records: [{ key: 'a', version: 10, value: { id: 'a' } }] } })
  })
  const cases: Array<[string, unknown, string]> = [
    ['not an array', { ok: true }, 'page'],
    ['a header cut short', [12, 12, 0, null, {}, []], 'page'],
    ['more not 0 or 1', [12, 12, true, null, {}, [], []], 'page[2]'],
    ['a watermark not an integer', [12, 12, 0, null, { w: '1' }, [], []], 'page[4].w'],
    ['a conflict not an object', [12, 12, 0, null, {}, [1], []], 'page[5]'],
    ['a node not a string', [12, 12, 0, null, {}, [], [1]], 'page[6]'],
    ['a record cut short', page(['items', 'a', 10]), 'page[7]'],
    ['a node index past the table', page(['items', 'a', 10, [0, 0, 1], { id: 'a' }]), 'page[7][3]'],
    ['an HLC counter out of range', page(['items', 'a', 10, [0, 70_000], { id: 'a' }]), 'page[7][3]'],
    ['an HLC wall before 1970', page(['items', 'a', 10, -1, { id: 'a' }]), 'page[7][3]'],
    ['a value not an object', page(['items', 'a', 10, 5, [1]]), 'page[7][4]'],
    ['a deleted flag not 1', page(['items', 'a', 10, 5, { id: 'a' }, 2]), 'page[7][5]'],
    ['a trailing element', page([...record, 1, 2]), 'page[7][6]'],
  ]
  it.each(cases)('%s is malformed', (_name, input, path) => {
    const decoded = decodeWirePage(input)
    expect(decoded.ok ? 'ok' : { code: decoded.error.code, path: (decoded.error.details as { path: string }).path }).toEqual({ code: 'malformed', path })
  })
})
