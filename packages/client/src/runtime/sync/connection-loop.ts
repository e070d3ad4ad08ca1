/**
 * Keeps one connection to the hub while it is wanted (DESIGN §7: "after a lost connection the
 * first reconnection attempt comes within about 2 s, then backs off"). Transport-agnostic: the
 * delegate opens a connection to a URL; the loop decides when and where.
 *
 *            want()                      delegate.connect ok
 *   idle ─────────────▶ connecting ───────────────────────────▶ connected
 *    ▲                   │  ▲  │ fails, another URL                │
 *    │                   │  │  └───────▶ (next URL, at once)       │ lost
 *    │          round of │  │ timer / retryNow()                   │
 *    │     URLs failed   ▼  │                                      ▼
 *    │                 waiting ◀──────── (same URL first) ─────────┘
 *    │                    │ fatal failure
 *    └── unwant() ────────┴───────────────▶ halted (until want() again)
 *
 * `unwant()` from any state closes the connection at once (pause, network off, lost leadership).
 * Waits follow `backoffDelay`: the first retry after a loss or a failed round within `firstMs`,
 * then doubling with jitter up to `maxMs`. A connection that was up resets the backoff.
 */
import type { Timers } from '@accord/core/internal'
import { backoffDelay, type BackoffOptions } from './backoff.js'

/** An open connection as the loop sees it. */
export interface LoopConnection {
  /** Resolves when the connection is gone (by either side). */
  readonly closed: Promise<void>
  close(): void
}

/** Why a connection attempt failed; `fatal` stops retrying until the loop is wanted again. */
export class ConnectFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fatal = false,
  ) {
    super(message)
    this.name = 'ConnectFailure'
  }
}

/** How the loop connects, and whom it tells. */
export interface ConnectionLoopDelegate {
  /** Opens a connection to `url`; resolves once it is usable, rejects (ideally a ConnectFailure) if not. */
  connect(url: string): Promise<LoopConnection>
  /** Told on every state change. */
  stateChanged?(state: LoopState): void
  /** Told of every failed attempt. */
  failed?(failure: ConnectFailure): void
}

/** Where the loop is (see the diagram). */
export type LoopState = 'idle' | 'connecting' | 'connected' | 'waiting' | 'halted'

/** The URLs to cycle through (failover order), timers and the jitter source. */
export interface ConnectionLoopOptions extends BackoffOptions {
  urls: readonly string[]
  timers: Timers
  random: () => number
}

/** The loop of the diagram above: `want()`/`unwant()` steer it, the delegate connects. */
export class ConnectionLoop {
  private current: LoopState = 'idle'
  private wanted = false
  private urlIndex = 0
  /** Failed attempts in the current round of URLs. */
  private failedInRound = 0
  /** Backoff step: rounds failed (or connections lost) since the last good connection. */
  private attempt = 0
  private timer: unknown
  private connection: LoopConnection | undefined
  /** Bumped on every unwant(), so an attempt in flight knows it is stale. */
  private epoch = 0

  constructor(
    private readonly options: ConnectionLoopOptions,
    private readonly delegate: ConnectionLoopDelegate,
  ) {
    if (options.urls.length === 0) throw new RangeError('ConnectionLoop needs at least one URL')
  }

  get state(): LoopState {
    return this.current
  }

  /** The URL in use (or to be tried next). */
  get url(): string {
    return this.options.urls[this.urlIndex] as string
  }

  /** The connection should be up: connects now unless already connecting or connected. */
  want(): void {
    this.wanted = true
    if (this.current === 'idle' || this.current === 'halted') this.attemptNow()
  }

  /** The connection should be down: closes it at once and stops retrying. */
  unwant(): void {
    this.wanted = false
    this.epoch += 1
    this.clearTimer()
    const connection = this.connection
    this.connection = undefined
    this.attempt = 0
    this.failedInRound = 0
    this.setState('idle')
    connection?.close()
  }

  /** Skips a pending wait (the network came back, the page became visible). */
  retryNow(): void {
    if (this.current !== 'waiting') return
    this.clearTimer()
    this.attemptNow()
  }

  private attemptNow(): void {
    const epoch = this.epoch
    this.setState('connecting')
    this.delegate.connect(this.url).then(
      (connection) => {
        if (epoch !== this.epoch) return connection.close()
        this.onConnected(connection, epoch)
      },
      (error: unknown) => {
        if (epoch !== this.epoch) return
        this.onFailed(error instanceof ConnectFailure ? error : new ConnectFailure('unreachable', error instanceof Error ? error.message : String(error)))
      },
    )
  }

  private onConnected(connection: LoopConnection, epoch: number): void {
    this.connection = connection
    this.attempt = 0
    this.failedInRound = 0
    this.setState('connected')
    void connection.closed.then(() => {
      if (epoch !== this.epoch || this.connection !== connection) return
      this.connection = undefined
      // Lost: the same URL first, within `firstMs`.
      this.wait()
    })
  }

  private onFailed(failure: ConnectFailure): void {
    this.delegate.failed?.(failure)
    if (failure.fatal) {
      this.setState('halted')
      return
    }
    this.failedInRound += 1
    this.urlIndex = (this.urlIndex + 1) % this.options.urls.length
    if (this.failedInRound < this.options.urls.length) {
      this.attemptNow()
      return
    }
    this.failedInRound = 0
    this.wait()
  }

  private wait(): void {
    if (!this.wanted) return
    const delay = backoffDelay(this.attempt, this.options.random, this.options)
    this.attempt += 1
    this.setState('waiting')
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = undefined
      if (this.wanted && this.current === 'waiting') this.attemptNow()
    }, delay)
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.options.timers.clearTimeout(this.timer)
    this.timer = undefined
  }

  private setState(state: LoopState): void {
    if (this.current === state) return
    this.current = state
    this.delegate.stateChanged?.(state)
  }
}
