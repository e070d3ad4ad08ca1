import { DEFAULT_LIMITS, type HubLimits } from '@accord/core'
import type { HubLimitOptions } from './types.js'

/** Every limit with its default filled in. */
export interface ResolvedLimits extends HubLimits {
  messageBytes: number
  pushesPerSecond: number
  pushBurst: number
  requestsPerSecond: number
  requestBurst: number
  pullLimit: number
  retentionMs: number
}

export function resolveLimits(options: HubLimitOptions = {}): ResolvedLimits {
  const batchBytes = positive(options.batchBytes, DEFAULT_LIMITS.batchBytes, 'batchBytes')
  const pushesPerSecond = positive(options.pushesPerSecond, 50, 'pushesPerSecond')
  const requestsPerSecond = positive(options.requestsPerSecond, 200, 'requestsPerSecond')
  return {
    batchChanges: positive(options.batchChanges, DEFAULT_LIMITS.batchChanges, 'batchChanges'),
    batchBytes,
    recordBytes: positive(options.recordBytes, DEFAULT_LIMITS.recordBytes, 'recordBytes'),
    maxClockDriftMs: positive(options.maxClockDriftMs, DEFAULT_LIMITS.maxClockDriftMs, 'maxClockDriftMs'),
    messageBytes: positive(options.messageBytes, batchBytes + 64 * 1024, 'messageBytes'),
    pushesPerSecond,
    pushBurst: positive(options.pushBurst, pushesPerSecond * 2, 'pushBurst'),
    requestsPerSecond,
    requestBurst: requestsPerSecond * 2,
    pullLimit: positive(options.pullLimit, 1000, 'pullLimit'),
    retentionMs: positive(options.retentionMs, 30 * 24 * 3600 * 1000, 'retentionMs'),
  }
}

/** The part of the limits a replica is told at the handshake. */
export function wireLimits(limits: ResolvedLimits): HubLimits {
  const { batchChanges, batchBytes, recordBytes, maxClockDriftMs } = limits
  return { batchChanges, batchBytes, recordBytes, maxClockDriftMs }
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`limits.${name} must be a positive number, got ${String(value)}`)
  return value
}

/**
 * A token bucket: holds up to `burst` tokens, refilled at `perSecond`. `take()` spends one and says
 * whether there was one. Time is injected so tests need no clock.
 */
export class RateLimiter {
  private tokens: number
  private last: number

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst
    this.last = now()
  }

  take(): boolean {
    const now = this.now()
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond)
    this.last = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
