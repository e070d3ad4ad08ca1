import { describe, expect, it } from 'vitest'
import { RateLimiter, resolveLimits, wireLimits } from './limits.js'

describe('limits', () => {
  it('fills defaults and tells replicas only the protocol limits', () => {
    const limits = resolveLimits({ batchBytes: 1000 })
    expect(limits).toMatchObject({ batchChanges: 500, batchBytes: 1000, messageBytes: 1000 + 65_536, pushesPerSecond: 50, pushBurst: 100, pullLimit: 1000 })
    expect(wireLimits(limits)).toEqual({ batchChanges: 500, batchBytes: 1000, recordBytes: 256_000, maxClockDriftMs: 60_000 })
    expect(() => resolveLimits({ batchChanges: 0 })).toThrow(RangeError)
  })

  it('rate-limits with a token bucket refilled over time', () => {
    let now = 0
    const limiter = new RateLimiter(2, 3, () => now)
    expect([limiter.take(), limiter.take(), limiter.take(), limiter.take()]).toEqual([true, true, true, false])
    now = 499
    expect(limiter.take()).toBe(false)
    now = 1000
    expect([limiter.take(), limiter.take(), limiter.take()]).toEqual([true, true, false])
    now = 10_000
    expect([limiter.take(), limiter.take(), limiter.take(), limiter.take()]).toEqual([true, true, true, false])
  })
})
