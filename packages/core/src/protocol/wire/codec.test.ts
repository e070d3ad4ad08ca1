import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { commitsArb, DECLARED, EPOCH, pageArb, pushArb, REPLICA } from '../../../test/wire-arbitraries.js'
import type { Change, Commit } from '../../model/change.js'
import { PROTOCOL_VERSION, type CommitsMessage, type PulledRecord, type PullPage, type PushRequest } from '../messages.js'
import { validatePushRequest } from '../validate.js'
import { decodeHlc } from '../../clock/hlc.js'
import { decodeWireCommits, decodeWirePage, decodeWirePush, encodeWireCommits, encodeWirePage, encodeWirePush, roomCopyOf, UNKNOWN_NODE } from './index.js'

// WIRE_SEED replays a failing run (fast-check prints its seed and path); WIRE_RUNS searches deeper.
const seed = Number(process.env['WIRE_SEED'] ?? 20261126)
const runs = { seed, numRuns: Number(process.env['WIRE_RUNS'] ?? 300) }
const ctx = { replica: REPLICA, writers: DECLARED, epoch: EPOCH }

/** What the other end receives: the frame as JSON text, parsed. */
const overTheWire = <T>(value: T): unknown => JSON.parse(JSON.stringify(value)) as unknown

describe('compact push codec', () => {
  it(`decode(encode(push)) is the push, for random valid pushes (seed ${seed})`, () => {
    fc.assert(
      fc.property(pushArb, (changes) => {
        const logical: PushRequest = { v: PROTOCOL_VERSION, changes }
        const decoded = decodeWirePush(overTheWire(encodeWirePush(logical, ctx)), ctx)
        expect(decoded).toEqual({ ok: true, value: overTheWire(logical) })
      }),
      runs,
    )
  })

  it('and the logical validator accepts the decoded push as it accepts the original', () => {
    fc.assert(
      fc.property(pushArb, (changes) => {
        const logical: PushRequest = { v: PROTOCOL_VERSION, changes }
        const decoded = decodeWirePush(overTheWire(encodeWirePush(logical, ctx)), ctx)
        const limits = { batchChanges: 500, batchBytes: 1_000_000 }
        expect(decoded.ok && validatePushRequest(decoded.value, limits)).toEqual(validatePushRequest(overTheWire(logical), limits))
      }),
      { ...runs, numRuns: Math.ceil(runs.numRuns / 3) },
    )
  })

  it('leaves out what the connection implies: one patch of the connection\'s own writer', () => {
    const change: Change = {
      writer: DECLARED[0] as string, n: 101, replica: REPLICA, tx: 2, txEnd: true, col: 'items', key: 'item-0000000',
      hlc: `${(EPOCH + 345).toString(16).padStart(12, '0')}-0000-${REPLICA}`, op: 'patch', ord: 101, base: 1,
      set: { title: 'Renamed item 0' }, prev: { title: 'Item 0' },
    }
    const wire = encodeWirePush({ v: PROTOCOL_VERSION, changes: [change] }, ctx)
    expect(JSON.stringify(wire)).toBe('[[12291,"items","item-0000000",1,345,{"title":"Renamed item 0"},["Item 0"],101,2]]')
    const next: Change = { ...change, n: 102, ord: 102, tx: 3, hlc: `${(EPOCH + 350).toString(16).padStart(12, '0')}-0001-${REPLICA}`, key: 'item-0000001' }
    expect(JSON.stringify(encodeWirePush({ v: PROTOCOL_VERSION, changes: [change, next] }, ctx)[1])).toBe('[3,"items","item-0000001",1,[5,1],{"title":"Renamed item 0"},["Item 0"]]')
  })
})

describe('compact push codec: prev on demand', () => {
  const base: Change = {
    writer: DECLARED[0] as string, n: 1, replica: REPLICA, tx: 1, txEnd: true, col: 'items', key: 'k',
    hlc: `${(EPOCH + 1).toString(16).padStart(12, '0')}-0000-${REPLICA}`, op: 'put', ord: 1, base: 0, set: { id: 'k', title: 't' },
  }
  const roundTrip = (change: Change): unknown => {
    const decoded = decodeWirePush(overTheWire(encodeWirePush({ v: PROTOCOL_VERSION, changes: [change] }, ctx)), ctx)
    return decoded.ok ? decoded.value.changes[0] : decoded
  }

  it.each([
    ['left out', undefined],
    ['empty (the writer saw none of the fields)', {}],
    ['partial', { title: 'old' }],
    ['aligned', { id: 'k', title: 'old' }],
  ])('keeps a prev %s as it was', (_name, prev) => {
    const change: Change = prev === undefined ? base : { ...base, prev }
    const decoded = roundTrip(change)
    expect(decoded).toEqual(change)
    expect(Object.prototype.hasOwnProperty.call(decoded, 'prev')).toBe(prev !== undefined)
  })

  it('keeps an empty prev of a change that writes only removals', () => {
    const { set: _none, ...rest } = base
    const change: Change = { ...rest, op: 'patch', unset: ['title'], prev: {} }
    expect(roundTrip(change)).toEqual(change)
  })
})

describe('compact commits codec', () => {
  it(`decode(encode(commits)) is the message, for random valid broadcasts (seed ${seed})`, () => {
    fc.assert(
      fc.property(commitsArb, (commits) => {
        const logical: CommitsMessage = { v: PROTOCOL_VERSION, commits }
        const decoded = decodeWireCommits(overTheWire(encodeWireCommits(logical)))
        expect(decoded).toEqual({ ok: true, value: overTheWire(logical) })
      }),
      runs,
    )
  })

  it(`decode(encode(commits, 'room')) is roomCopyOf(commits), for random valid broadcasts (seed ${seed})`, () => {
    fc.assert(
      fc.property(commitsArb, (commits) => {
        const logical: CommitsMessage = { v: PROTOCOL_VERSION, commits }
        const decoded = decodeWireCommits(overTheWire(encodeWireCommits(logical, 'room')))
        expect(decoded).toEqual({ ok: true, value: overTheWire(roomCopyOf(logical)) })
      }),
      runs,
    )
  })

  it('the room copy keeps what a replica reads: seq, pv, values, conflicts, and every HLC\'s wall and counter', () => {
    const strip = ({ by: _b, writer: _w, through: _t, tx: _x, hlc: _h, ...rest }: Commit) => rest
    const clock = (hlc: string) => {
      const { wall, counter } = decodeHlc(hlc)
      return [wall, counter]
    }
    fc.assert(
      fc.property(commitsArb, (commits) => {
        const room = roomCopyOf({ v: PROTOCOL_VERSION, commits }).commits
        expect(room.map(strip)).toEqual(commits.map(strip))
        room.forEach((c, i) => {
          expect(Object.keys(c).filter((k) => ['by', 'writer', 'through', 'tx'].includes(k))).toEqual([])
          const original = (commits[i] as Commit).hlc
          expect(Object.keys(c.hlc).sort()).toEqual(Object.keys(original).sort())
          for (const [field, hlc] of Object.entries(c.hlc)) {
            const before = original[field] as string
            expect(clock(hlc)).toEqual(clock(before))
            expect([before.slice(before.lastIndexOf('-') + 1), UNKNOWN_NODE]).toContain(hlc.slice(hlc.lastIndexOf('-') + 1))
          }
        })
      }),
      runs,
    )
  })

  it('sends the author once per run and one node-less HLC per commit', () => {
    const hlc = (wall: number): string => `${wall.toString(16).padStart(12, '0')}-0000-${REPLICA}`
    const commit = (seq: number) => ({ seq, pv: seq - 100, col: 'items', key: `k${seq}`, set: { title: 't' }, hlc: { title: hlc(EPOCH + seq) }, by: REPLICA, writer: 'w1', through: seq, tx: seq })
    const wire = encodeWireCommits({ v: PROTOCOL_VERSION, commits: [commit(101), commit(102)] })
    expect(JSON.stringify(wire)).toBe(`[101,[7,100,"items","k101",{"title":"t"},${EPOCH + 101},["${REPLICA}","w1",101,101]],[3,100,"items","k102",{"title":"t"},1]]`)
  })

  it('sends the room no author and no HLC node, whoever the node was (P8\'s single patch)', () => {
    const hlc = (wall: number, node: string): string => `${wall.toString(16).padStart(12, '0')}-0000-${node}`
    const commits: Commit[] = [
      { seq: 101, pv: 1, col: 'items', key: 'item-0000000', set: { title: 'Renamed item 0' }, hlc: { title: hlc(EPOCH, REPLICA) }, by: REPLICA, writer: 'w1', through: 101, tx: 2 },
      { seq: 102, pv: 90, col: 'items', key: 'item-0000001', set: { title: 'merged' }, hlc: { title: hlc(EPOCH + 3, 'hub') }, by: REPLICA, writer: 'w1', through: 102, tx: 3 },
    ]
    const wire = encodeWireCommits({ v: PROTOCOL_VERSION, commits }, 'room')
    expect(JSON.stringify(wire)).toBe(`[101,[3,100,"items","item-0000000",{"title":"Renamed item 0"},${EPOCH}],[3,12,"items","item-0000001",{"title":"merged"},3]]`)
    const decoded = decodeWireCommits(overTheWire(wire))
    expect(decoded.ok && decoded.value.commits.map((c) => c.hlc['title'])).toEqual([hlc(EPOCH, UNKNOWN_NODE), hlc(EPOCH + 3, UNKNOWN_NODE)])
  })
})

describe('compact pull page codec', () => {
  it(`decode(encode(page)) is the page, for random valid pages (seed ${seed})`, () => {
    fc.assert(
      fc.property(pageArb, (page) => {
        expect(decodeWirePage(overTheWire(encodeWirePage(page)))).toEqual({ ok: true, value: overTheWire(page) })
      }),
      runs,
    )
  })

  it('names each HLC node once per page', () => {
    const hlc = (wall: number, node: string): string => `${wall.toString(16).padStart(12, '0')}-0000-${node}`
    const page: PullPage = {
      v: PROTOCOL_VERSION, conflicts: [], watermarks: {}, until: 12, head: 12, more: false,
      records: [
        { col: 'items', key: 'a', version: 10, hlc: hlc(EPOCH, REPLICA), value: { id: 'a' } },
        { col: 'items', key: 'b', version: 11, hlc: hlc(EPOCH + 5, 'hub'), deleted: true as const },
        { col: 'items', key: 'c', version: 12, hlc: hlc(EPOCH + 6, REPLICA), value: { id: 'c' } },
      ],
    }
    expect(JSON.stringify(encodeWirePage(page))).toBe(`[12,12,0,null,{},[],["${REPLICA}","hub"],["items","a",10,${EPOCH},{"id":"a"}],["items","b",1,[5,0,1]],["items","c",1,1,{"id":"c"}]]`)
  })
})

// Every key of the logical messages, checked by the compiler: a key added to Change, Commit,
// PulledRecord or PullPage fails to compile here until the codec carries it and the generators
// produce it (the test below).
const CHANGE_KEYS: Record<keyof Change, true> = {
  writer: true, n: true, replica: true, tx: true, txEnd: true, col: true, key: true, hlc: true, op: true, ord: true,
  set: true, unset: true, prev: true, resolves: true, inc: true, add: true, remove: true, base: true, fieldBase: true,
}
const COMMIT_KEYS: Record<keyof Commit, true> = {
  seq: true, pv: true, col: true, key: true, set: true, unset: true, del: true, hlc: true, by: true, writer: true,
  through: true, tx: true, rejected: true, conflict: true, resolved: true,
}
const RECORD_KEYS: Record<keyof PulledRecord, true> = { col: true, key: true, version: true, value: true, deleted: true, hlc: true }
const PAGE_KEYS: Record<keyof PullPage, true> = { v: true, records: true, conflicts: true, watermarks: true, until: true, head: true, more: true, purgedThrough: true }

describe('the generators', () => {
  const keysOf = (objects: object[]): string[] => [...new Set(objects.flatMap((o) => Object.keys(o)))].sort()
  it('produce every key of every logical message the codecs carry', () => {
    const pushes = fc.sample(pushArb, { seed, numRuns: 200 }).flat()
    const commits = fc.sample(commitsArb, { seed, numRuns: 200 }).flat()
    const pages = fc.sample(pageArb, { seed, numRuns: 200 })
    expect(keysOf(pushes)).toEqual(Object.keys(CHANGE_KEYS).sort())
    expect(keysOf(commits)).toEqual(Object.keys(COMMIT_KEYS).sort())
    expect(keysOf(pages.flatMap((p) => p.records))).toEqual(Object.keys(RECORD_KEYS).sort())
    expect(keysOf(pages)).toEqual(Object.keys(PAGE_KEYS).sort())
  })
})
