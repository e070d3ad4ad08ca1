/**
 * Hybrid logical clock.
 *
 * Encoding: `WWWWWWWWWWWW-CCCC-node`
 *   W: wall clock in ms, 12 lower-case hex digits (2^48 ms, past the year 10000)
 *   C: logical counter, 4 hex digits (0..0xffff); overflow bumps the wall by 1 ms
 *   node: the replica id (or `hub`), the tie-breaker
 * Fixed widths make string order equal clock order, so HLCs compare with `<`.
 *
 * Time is injected (`now`), never read from a global, so the simulator is deterministic.
 */
import { AccordError } from '../model/errors.js'

const WALL_DIGITS = 12
const COUNTER_DIGITS = 4
const MAX_COUNTER = 0xffff
const MAX_WALL = 2 ** 48 - 1
const HLC_PATTERN = /^[0-9a-f]{12}-[0-9a-f]{4}-[A-Za-z0-9_.:-]{1,128}$/

export interface HlcParts {
  wall: number
  counter: number
  node: string
}

export function encodeHlc({ wall, counter, node }: HlcParts): string {
  return `${wall.toString(16).padStart(WALL_DIGITS, '0')}-${counter.toString(16).padStart(COUNTER_DIGITS, '0')}-${node}`
}

export function decodeHlc(hlc: string): HlcParts {
  if (!isHlc(hlc)) throw new AccordError('malformed', `not an HLC: ${JSON.stringify(hlc).slice(0, 80)}`)
  return {
    wall: parseInt(hlc.slice(0, WALL_DIGITS), 16),
    counter: parseInt(hlc.slice(WALL_DIGITS + 1, WALL_DIGITS + 1 + COUNTER_DIGITS), 16),
    node: hlc.slice(WALL_DIGITS + COUNTER_DIGITS + 2),
  }
}

export function isHlc(value: unknown): value is string {
  return typeof value === 'string' && HLC_PATTERN.test(value)
}

/** The larger of two HLCs (string order is clock order). */
export function maxHlc(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b
  if (b === undefined) return a
  return a > b ? a : b
}

/** The wall-clock time (ms) an HLC carries. */
export function hlcWall(hlc: string): number {
  return parseInt(hlc.slice(0, WALL_DIGITS), 16)
}

export interface HlcClockOptions {
  /** This clock's node id: the replica id, or `hub`. */
  node: string
  /** Physical time in ms (Date.now() + offset on a replica). */
  now: () => number
  /** A received clock further ahead than this is not followed (see `receive`). Default 60 s. */
  maxDriftMs?: number
  /** The last HLC issued before a restart, so the clock never goes back. */
  last?: string
}

/** Result of `receive`: whether the remote clock was too far ahead to follow. */
export interface ReceiveResult {
  /** The clock's new value. */
  hlc: string
  /** True when the remote wall was more than `maxDriftMs` ahead of local time and was ignored. */
  tooFarAhead: boolean
}

/** A monotonic HLC. Every value it issues is greater than every value it issued or followed before. */
export class HlcClock {
  readonly node: string
  readonly maxDriftMs: number
  private readonly physical: () => number
  private wall = 0
  private counter = 0

  constructor(options: HlcClockOptions) {
    this.node = options.node
    this.physical = options.now
    this.maxDriftMs = options.maxDriftMs ?? 60_000
    if (options.last !== undefined) {
      const last = decodeHlc(options.last)
      this.wall = last.wall
      this.counter = last.counter
    }
  }

  /** Issues the HLC of a local event. */
  now(): string {
    const physical = this.clampWall(this.physical())
    if (physical > this.wall) {
      this.wall = physical
      this.counter = 0
    } else {
      this.bumpCounter()
    }
    return this.current()
  }

  /**
   * Follows a received HLC so later local events sort after it. A remote wall more than
   * `maxDriftMs` ahead of local time is not followed (one bad clock must not drag every replica
   * into the future); the caller decides what to do with such a value (the hub replaces it).
   */
  receive(remote: string): ReceiveResult {
    const tooFarAhead = this.follow(remote)
    return { hlc: this.current(), tooFarAhead }
  }

  /**
   * `receive` without encoding the clock's new value (the hub follows every change's HLC and only
   * needs to know whether it was too far ahead): true when it was, and was not followed.
   */
  follow(remote: string): boolean {
    const parts = decodeHlc(remote)
    const physical = this.clampWall(this.physical())
    if (parts.wall - physical > this.maxDriftMs) {
      this.now()
      return true
    }
    const wall = Math.max(physical, this.wall, parts.wall)
    if (wall === this.wall && wall === parts.wall) this.counter = Math.max(this.counter, parts.counter) + 1
    else if (wall === this.wall) this.counter += 1
    else if (wall === parts.wall) this.counter = parts.counter + 1
    else this.counter = 0
    this.wall = wall
    if (this.counter > MAX_COUNTER) {
      this.wall += 1
      this.counter = 0
    }
    return false
  }

  /** The last HLC issued or followed, without advancing. */
  peek(): string {
    return this.current()
  }

  /** Whether this clock is more than `maxDriftMs` ahead of `reference` ms (the replica resets then). */
  isAheadOf(reference: number): boolean {
    return this.wall - reference > this.maxDriftMs
  }

  /** Forgets a clock that ran ahead: the next value follows physical time again. */
  reset(): void {
    this.wall = 0
    this.counter = 0
  }

  private bumpCounter(): void {
    this.counter += 1
    if (this.counter > MAX_COUNTER) {
      this.wall += 1
      this.counter = 0
    }
  }

  private clampWall(ms: number): number {
    return Math.min(Math.max(0, Math.floor(ms)), MAX_WALL)
  }

  private current(): string {
    return encodeHlc({ wall: this.wall, counter: this.counter, node: this.node })
  }
}
