import { describe, expect, it } from 'vitest'
import { RetentionClock } from './retention.js'

describe('RetentionClock', () => {
  it('allows purging only the head sampled at least retentionMs ago', () => {
    const clock = new RetentionClock(1000)
    clock.sample('s', 5, 0)
    clock.sample('s', 9, 600)
    expect(clock.purgeable('s', 999)).toBeUndefined()
    expect(clock.purgeable('s', 1000)).toBe(5)
    expect(clock.purgeable('s', 1599)).toBe(5)
    expect(clock.purgeable('s', 1600)).toBe(9)
  })

  it('knows nothing of a space it never sampled', () => {
    expect(new RetentionClock(1).purgeable('other', 10)).toBeUndefined()
  })
})
