import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { backoffDelay } from './backoff.js'
import { ConnectFailure, ConnectionLoop, type LoopConnection, type LoopState } from './connection-loop.js'

/** A scripted hub: each attempt's outcome is decided by the test; every attempt is logged with its time. */
function harness(urls: string[], options: { random?: () => number; gate?: Promise<void> } = {}) {
  const attempts: { at: number; url: string }[] = []
  const states: LoopState[] = []
  let outcome: (url: string) => 'ok' | 'fail' | 'fatal' = () => 'fail'
  let drop: (() => void) | undefined
  const closedByClient: string[] = []
  const loop = new ConnectionLoop(
    { urls, timers: { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) }, random: options.random ?? (() => 1 - 1e-9), firstMs: 2000, maxMs: 30_000 },
    {
      connect: async (url) => {
        attempts.push({ at: Date.now(), url })
        await options.gate
        const what = outcome(url)
        if (what === 'fatal') throw new ConnectFailure('principal_changed', 'another user', true)
        if (what === 'fail') throw new ConnectFailure('unreachable', 'refused')
        let resolveClosed!: () => void
        const closed = new Promise<void>((r) => (resolveClosed = r))
        drop = resolveClosed
        const connection: LoopConnection = { closed, close: () => (closedByClient.push(url), resolveClosed()) }
        return connection
      },
      stateChanged: (state) => states.push(state),
    },
  )
  return {
    loop,
    attempts,
    states,
    closedByClient,
    setOutcome: (fn: typeof outcome) => (outcome = fn),
    dropConnection: () => drop?.(),
    times: () => attempts.map((a) => a.at),
  }
}

describe('backoffDelay', () => {
  it('stays within the exponential ceiling, in its upper half, capped at maxMs', () => {
    const ceilings = [2000, 4000, 8000, 16_000, 30_000, 30_000]
    for (const [attempt, ceiling] of ceilings.entries()) {
      expect(backoffDelay(attempt, () => 0)).toBe(ceiling / 2)
      expect(backoffDelay(attempt, () => 1 - 1e-9)).toBe(ceiling)
    }
  })
})

describe('ConnectionLoop timeline (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 })
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it('connects at once, then after a lost connection retries within 2 s and backs off 4, 8, 16, 30, 30 s', async () => {
    const h = harness(['ws://a'])
    h.setOutcome(() => 'ok')
    h.loop.want()
    await vi.advanceTimersByTimeAsync(0)
    expect(h.loop.state).toBe('connected')
    expect(h.times()).toEqual([0])

    h.setOutcome(() => 'fail')
    vi.setSystemTime(10_000)
    h.dropConnection()
    await vi.advanceTimersByTimeAsync(120_000)
    // Lost at 10 s; the jitter source answers the top of each window: 2, 4, 8, 16, 30, 30 … s later.
    const gaps = h.times().slice(1).map((t, i, all) => t - (i === 0 ? 10_000 : (all[i - 1] as number)))
    expect(gaps.slice(0, 7)).toEqual([2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000])
    expect(h.loop.state).toBe('waiting')
  })

  it('resets the backoff after a good connection', async () => {
    const h = harness(['ws://a'])
    h.setOutcome(() => 'fail')
    h.loop.want()
    await vi.advanceTimersByTimeAsync(2000 + 4000 + 8000)
    expect(h.times()).toEqual([0, 2000, 6000, 14_000])
    h.setOutcome(() => 'ok')
    await vi.advanceTimersByTimeAsync(16_000)
    expect(h.loop.state).toBe('connected')
    h.setOutcome(() => 'fail')
    const lostAt = Date.now()
    h.dropConnection()
    await vi.advanceTimersByTimeAsync(2000)
    expect(h.times().at(-1)).toBe(lostAt + 2000)
  })

  it('jitters each wait within the upper half of its window', async () => {
    let i = 0
    const randoms = [0, 0.5, 0.25]
    const h = harness(['ws://a'], { random: () => randoms[i++ % randoms.length] as number })
    h.loop.want()
    await vi.advanceTimersByTimeAsync(60_000)
    const gaps = h.times().slice(1, 4).map((t, k) => t - (h.times()[k] as number))
    expect(gaps).toEqual([1000, 3000, 5000])
  })

  it('moves to the next URL at once on failure and backs off only after a whole round failed', async () => {
    const h = harness(['ws://a', 'ws://b', 'ws://c'])
    h.setOutcome(() => 'fail')
    h.loop.want()
    await vi.advanceTimersByTimeAsync(0)
    expect(h.attempts.map((a) => [a.at, a.url])).toEqual([[0, 'ws://a'], [0, 'ws://b'], [0, 'ws://c']])
    h.setOutcome((url) => (url === 'ws://b' ? 'ok' : 'fail'))
    await vi.advanceTimersByTimeAsync(2000)
    expect(h.attempts.slice(3).map((a) => [a.at, a.url])).toEqual([[2000, 'ws://a'], [2000, 'ws://b']])
    expect(h.loop.state).toBe('connected')
    expect(h.loop.url).toBe('ws://b')
  })

  it('unwant() closes the connection at once and stops retrying; want() connects at once again', async () => {
    const h = harness(['ws://a'])
    h.setOutcome(() => 'ok')
    h.loop.want()
    await vi.advanceTimersByTimeAsync(0)
    h.loop.unwant()
    expect(h.closedByClient).toEqual(['ws://a'])
    expect(h.loop.state).toBe('idle')
    await vi.advanceTimersByTimeAsync(120_000)
    expect(h.attempts).toHaveLength(1)
    vi.setSystemTime(200_000)
    h.loop.want()
    await vi.advanceTimersByTimeAsync(0)
    expect(h.times()).toEqual([0, 200_000])
  })

  it('unwant() while waiting cancels the wait; retryNow() skips a wait', async () => {
    const h = harness(['ws://a'])
    h.loop.want()
    await vi.advanceTimersByTimeAsync(2000 + 4000)
    expect(h.times()).toEqual([0, 2000, 6000])
    h.loop.retryNow()
    await vi.advanceTimersByTimeAsync(0)
    expect(h.times()).toEqual([0, 2000, 6000, 6000])
    h.loop.unwant()
    await vi.advanceTimersByTimeAsync(120_000)
    expect(h.attempts).toHaveLength(4)
  })

  it('an attempt that succeeds after unwant() is closed, not adopted', async () => {
    let release!: () => void
    const h = harness(['ws://a'], { gate: new Promise<void>((r) => (release = r)) })
    h.setOutcome(() => 'ok')
    h.loop.want()
    h.loop.unwant()
    release()
    await vi.advanceTimersByTimeAsync(0)
    expect(h.loop.state).toBe('idle')
    expect(h.closedByClient).toEqual(['ws://a'])
  })

  it('a fatal failure halts until wanted again', async () => {
    const h = harness(['ws://a'])
    h.setOutcome(() => 'fatal')
    h.loop.want()
    await vi.advanceTimersByTimeAsync(120_000)
    expect(h.attempts).toHaveLength(1)
    expect(h.loop.state).toBe('halted')
    h.setOutcome(() => 'ok')
    h.loop.want()
    await vi.advanceTimersByTimeAsync(0)
    expect(h.loop.state).toBe('connected')
    expect(h.states).toEqual(['connecting', 'halted', 'connecting', 'connected'])
  })
})
