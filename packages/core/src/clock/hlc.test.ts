import { describe, expect, it } from 'vitest'
import { HlcClock, decodeHlc, encodeHlc, hlcWall, isHlc, maxHlc } from '@accord/core'

function clockAt(start: number, options: { node?: string; maxDriftMs?: number; last?: string } = {}) {
  const time = { now: start }
  const clock = new HlcClock({ node: options.node ?? 'r1', now: () => time.now, ...options })
  return { clock, time }
}

describe('HLC encoding', () => {
  it('round-trips encode and decode', () => {
    const parts = { wall: 1_700_000_000_123, counter: 0xbeef, node: 'replica_1.a:b-c' }
    const hlc = encodeHlc(parts)
    expect(hlc).toBe('018bcfe5687b-beef-replica_1.a:b-c')
    expect(isHlc(hlc)).toBe(true)
    expect(decodeHlc(hlc)).toEqual(parts)
    expect(hlcWall(hlc)).toBe(parts.wall)
  })

  it('makes string order equal clock order (wall, then counter, then node)', () => {
    const ordered = [
      encodeHlc({ wall: 9, counter: 0xffff, node: 'z' }),
      encodeHlc({ wall: 10, counter: 0, node: 'z' }),
      encodeHlc({ wall: 10, counter: 1, node: 'a' }),
      encodeHlc({ wall: 10, counter: 1, node: 'b' }),
      encodeHlc({ wall: 0x10, counter: 0, node: 'a' }),
      encodeHlc({ wall: 2 ** 40, counter: 0, node: 'a' }),
    ]
    expect([...ordered].reverse().sort()).toEqual(ordered)
    expect(maxHlc(ordered[1], ordered[3])).toBe(ordered[3])
    expect(maxHlc(undefined, ordered[0])).toBe(ordered[0])
  })

  it('refuses malformed HLCs', () => {
    for (const bad of ['', 'x', '00000000000a-0000-', '00000000000A-0000-r', '0000000000a-0000-r', '00000000000a-00000-r', '00000000000a-0000-a b', 42]) {
      expect(isHlc(bad)).toBe(false)
    }
    expect(() => decodeHlc('nope')).toThrowError(expect.objectContaining({ code: 'malformed' }) as Error)
  })
})

describe('HlcClock', () => {
  it('follows physical time and counts within one millisecond', () => {
    const { clock, time } = clockAt(1000)
    const a = clock.now()
    const b = clock.now()
    time.now = 1001
    const c = clock.now()
    expect(decodeHlc(a)).toMatchObject({ wall: 1000, counter: 0, node: 'r1' })
    expect(decodeHlc(b)).toMatchObject({ wall: 1000, counter: 1 })
    expect(decodeHlc(c)).toMatchObject({ wall: 1001, counter: 0 })
    expect(a < b && b < c).toBe(true)
  })

  it('stays monotonic when the physical clock goes backwards', () => {
    const { clock, time } = clockAt(5000)
    const issued = [clock.now()]
    time.now = 4000
    issued.push(clock.now(), clock.now())
    time.now = 5000
    issued.push(clock.now())
    for (let i = 1; i < issued.length; i++) expect((issued[i] as string) > (issued[i - 1] as string)).toBe(true)
    expect(decodeHlc(issued[1] as string)).toMatchObject({ wall: 5000, counter: 1 })
    expect(decodeHlc(issued[3] as string)).toMatchObject({ wall: 5000, counter: 3 })
  })

  it('bumps the wall by 1 ms when the counter overflows', () => {
    const { clock } = clockAt(1000, { last: encodeHlc({ wall: 1000, counter: 0xfffe, node: 'r1' }) })
    expect(decodeHlc(clock.now())).toMatchObject({ wall: 1000, counter: 0xffff })
    const next = clock.now()
    expect(decodeHlc(next)).toMatchObject({ wall: 1001, counter: 0 })
    expect(next > encodeHlc({ wall: 1000, counter: 0xffff, node: 'r1' })).toBe(true)
  })

  it('bumps the wall on overflow while receiving too', () => {
    const { clock } = clockAt(1000)
    const { hlc } = clock.receive(encodeHlc({ wall: 2000, counter: 0xffff, node: 'r2' }))
    expect(decodeHlc(hlc)).toMatchObject({ wall: 2001, counter: 0, node: 'r1' })
  })

  it('never goes back below a restored last value', () => {
    const last = encodeHlc({ wall: 9000, counter: 7, node: 'r1' })
    const { clock } = clockAt(1000, { last })
    expect(clock.peek()).toBe(last)
    expect(clock.now() > last).toBe(true)
  })

  it('advances past a received clock within the drift bound', () => {
    const { clock } = clockAt(1000)
    clock.now()
    const remote = encodeHlc({ wall: 30_000, counter: 5, node: 'r2' })
    const result = clock.receive(remote)
    expect(result.tooFarAhead).toBe(false)
    expect(decodeHlc(result.hlc)).toMatchObject({ wall: 30_000, counter: 6, node: 'r1' })
    expect(clock.now() > remote).toBe(true)
  })

  it('merges counters when local and remote walls are equal', () => {
    const { clock } = clockAt(1000, { last: encodeHlc({ wall: 2000, counter: 9, node: 'r1' }) })
    expect(decodeHlc(clock.receive(encodeHlc({ wall: 2000, counter: 3, node: 'r2' })).hlc)).toMatchObject({ wall: 2000, counter: 10 })
    expect(decodeHlc(clock.receive(encodeHlc({ wall: 2000, counter: 20, node: 'r2' })).hlc)).toMatchObject({ wall: 2000, counter: 21 })
  })

  it('moves to physical time when it is ahead of both clocks', () => {
    const { clock } = clockAt(50_000)
    expect(decodeHlc(clock.receive(encodeHlc({ wall: 10, counter: 4, node: 'r2' })).hlc)).toMatchObject({ wall: 50_000, counter: 0 })
  })

  it('does not follow a remote clock further ahead than maxDriftMs, and says so', () => {
    const { clock } = clockAt(1000, { maxDriftMs: 60_000 })
    const atLimit = clock.receive(encodeHlc({ wall: 61_000, counter: 0, node: 'r2' }))
    expect(atLimit.tooFarAhead).toBe(false)
    const { clock: fresh } = clockAt(1000, { maxDriftMs: 60_000 })
    const far = fresh.receive(encodeHlc({ wall: 61_001, counter: 0, node: 'r2' }))
    expect(far.tooFarAhead).toBe(true)
    expect(hlcWall(far.hlc)).toBe(1000)
    expect(hlcWall(fresh.now())).toBe(1000)
  })

  it('follows a remote clock as receive does, without encoding the result', () => {
    const remotes = [61_001, 2000, 2000, 500, 61_000].map((wall, i) => encodeHlc({ wall, counter: i * 3, node: 'r2' }))
    const { clock: a } = clockAt(1000, { maxDriftMs: 60_000 })
    const { clock: b } = clockAt(1000, { maxDriftMs: 60_000 })
    for (const remote of remotes) {
      expect(b.follow(remote)).toBe(a.receive(remote).tooFarAhead)
      expect(b.peek()).toBe(a.peek())
    }
  })

  it('reports isAheadOf past the drift bound, and reset follows physical time again', () => {
    const { clock } = clockAt(100_000, { maxDriftMs: 1000, last: encodeHlc({ wall: 200_000, counter: 3, node: 'r1' }) })
    expect(clock.isAheadOf(199_000)).toBe(false)
    expect(clock.isAheadOf(198_999)).toBe(true)
    expect(hlcWall(clock.now())).toBe(200_000)
    clock.reset()
    expect(decodeHlc(clock.now())).toMatchObject({ wall: 100_000, counter: 0 })
    expect(clock.isAheadOf(100_000)).toBe(false)
  })
})
