/**
 * Drives one replica's engine over Socket.IO: decides whether a connection is wanted (not paused,
 * network up, leader, open), runs the connection loop over the hub's URLs, builds each handshake
 * from the database's current state and a fresh token, refuses a hub that authenticates another
 * principal (`principal_changed`), binds the replica to its hub and space at the first welcome,
 * and reports connection state and errors in the status.
 */
import { AccordError, type Handshake, type HandshakeReply } from '@accord/core'
import type { ReplicaState, ReplicaSync, ReplicaTransport } from '@accord/core/internal'
import type { HubConfig, ReplicaStatus } from '../../shared/worker-api.js'
import type { StatusTracker } from '../live/status-tracker.js'
import type { Logger } from '../logger.js'
import type { DexieReplicaStore } from '../store/dexie-replica-store.js'
import type { BackoffOptions } from './backoff.js'
import { ConnectFailure, ConnectionLoop, type LoopConnection, type LoopState } from './connection-loop.js'
import { openSocketSession, type SocketSessionOptions } from './socket-session.js'
import type { RuntimeTimers } from '../platform.js'

/** What a driver needs: the hub config, the engine and store, the status, time and a token source. */
export interface SyncDriverOptions {
  hub: HubConfig
  sync: ReplicaSync
  store: DexieReplicaStore
  status: StatusTracker
  timers: RuntimeTimers
  random: () => number
  logger: Logger
  /** The hub token, asked before every connection attempt. */
  token: () => Promise<string | null>
  socket?: SocketSessionOptions
  backoff?: BackoffOptions
}

/** What decides whether a connection is wanted. */
export interface SyncFlags {
  paused?: boolean
  network?: boolean
  leader?: boolean
}

/** The hub URLs of a config, in failover order. */
export function hubUrls(hub: HubConfig): string[] {
  return typeof hub.url === 'string' ? [hub.url] : [...hub.url]
}

const CONNECTION: { [state in LoopState]: ReplicaStatus['connection'] } = {
  idle: 'offline',
  halted: 'offline',
  connecting: 'connecting',
  waiting: 'connecting',
  connected: 'online',
}

/** See the file comment. One per open replica with a hub. */
export class SyncDriver {
  private readonly loop: ConnectionLoop
  private paused = false
  private network = true
  private leader = true
  private closed = false
  /** Highest seq the hub is known to have (welcome, head, commits, acks). */
  knownHead = 0

  constructor(private readonly options: SyncDriverOptions) {
    this.loop = new ConnectionLoop(
      { urls: hubUrls(options.hub), timers: options.timers, random: options.random, ...options.backoff },
      {
        connect: (url) => this.connect(url),
        stateChanged: (state) => this.options.status.update({ connection: CONNECTION[state] }),
        failed: (failure) => {
          this.options.logger.info('connection attempt failed', { code: failure.code, message: failure.message, url: this.loop.url })
          this.options.status.update({ error: { code: failure.code, message: failure.message } })
        },
      },
    )
  }

  get connected(): boolean {
    return this.loop.state === 'connected'
  }

  /** Connects or disconnects to match the flags; disconnecting is immediate. */
  setFlags(flags: SyncFlags): void {
    const wasNetwork = this.network
    if (flags.paused !== undefined) this.paused = flags.paused
    if (flags.network !== undefined) this.network = flags.network
    if (flags.leader !== undefined) this.leader = flags.leader
    this.options.status.update({ paused: this.paused })
    if (this.closed || this.paused || !this.network || !this.leader) {
      this.loop.unwant()
      this.options.sync.disconnected()
      return
    }
    this.loop.want()
    if (!wasNetwork) this.loop.retryNow()
  }

  /** A waiting loop tries at once (the page became visible). */
  retryNow(): void {
    this.loop.retryNow()
  }

  close(): void {
    this.closed = true
    this.loop.unwant()
    this.options.sync.disconnected()
  }

  private async connect(url: string): Promise<LoopConnection> {
    const { sync, store, logger } = this.options
    const state = await store.readState()
    const token = await this.askToken()
    return openSocketSession(url, this.handshake(state, token), this.options.socket ?? {}, {
      welcome: (reply, transport) => {
        if (state.principal !== undefined && reply.principal !== state.principal) {
          return new ConnectFailure('principal_changed', `this replica belongs to ${state.principal}; the hub authenticated ${reply.principal}. Use one replica name per user.`, true)
        }
        this.welcomed(reply, transport, state)
        return undefined
      },
      commits: (message) => {
        for (const commit of message.commits) this.knownHead = Math.max(this.knownHead, commit.seq)
        sync.receiveCommits(message)
      },
      head: (message) => {
        this.knownHead = Math.max(this.knownHead, message.head)
        sync.receiveHead(message.head)
      },
      closed: (reason) => {
        logger.info('disconnected from the hub', { url, reason })
        sync.disconnected()
      },
    })
  }

  /** A fresh token; a provider that throws or does not answer in time fails the attempt as `unauthorized`. */
  private async askToken(): Promise<string | null> {
    const { timers } = this.options
    const limitMs = this.options.socket?.connectTimeoutMs ?? 10_000
    let timer: unknown
    const timeout = new Promise<never>((_, reject) => {
      timer = timers.setTimeout(() => reject(new Error(`no token within ${limitMs} ms`)), limitMs)
    })
    try {
      return await Promise.race([this.options.token(), timeout])
    } catch (error) {
      throw new ConnectFailure('unauthorized', `the token provider failed: ${error instanceof Error ? error.message : String(error)}`)
    } finally {
      timers.clearTimeout(timer)
    }
  }

  /** The engine's handshake, declaring every writer the database holds now (other runtimes' too). */
  private handshake(state: ReplicaState, token: string | null): Handshake {
    const handshake = this.options.sync.handshake(this.options.hub.space, token)
    const own = handshake.writers[0]
    const others = Object.keys(state.writers).filter((w) => w !== own)
    return { ...handshake, writers: own === undefined ? others : [own, ...others] }
  }

  private welcomed(reply: HandshakeReply, transport: ReplicaTransport, state: ReplicaState): void {
    const { sync, status, logger, store } = this.options
    this.knownHead = reply.head
    status.update({ error: undefined })
    const tracked: ReplicaTransport = {
      push: async (request) => {
        const response = await transport.push(request)
        if (response.ok) this.knownHead = Math.max(this.knownHead, response.seq)
        return response
      },
      pull: async (request) => {
        const response = await transport.pull(request)
        if (response.ok) this.knownHead = Math.max(this.knownHead, response.head)
        return response
      },
      head: async () => {
        const response = await transport.head()
        if (response.ok) this.knownHead = Math.max(this.knownHead, response.head)
        return response
      },
    }
    sync.connected(tracked, reply).catch((error: unknown) => {
      logger.error('could not start syncing on a new connection', { error })
      status.update({ error: { code: error instanceof AccordError ? error.code : 'internal', message: error instanceof Error ? error.message : String(error) } })
    })
    if (state.hub === undefined || state.space === undefined) {
      const hub = hubUrls(this.options.hub)[0] as string
      store.updateState((s) => Object.assign(s, { hub, space: this.options.hub.space })).catch((error: unknown) => logger.warn('could not record the hub binding', { error }))
    }
  }
}

/**
 * Throws `space_mismatch` when the database was bound (at its first handshake) to another space,
 * or to a hub none of whose URLs are configured now.
 */
export function checkBinding(state: ReplicaState, hub: HubConfig | undefined): void {
  if (!hub || state.space === undefined) return
  const urls = hubUrls(hub)
  if (state.space !== hub.space || (state.hub !== undefined && !urls.includes(state.hub))) {
    throw new AccordError('space_mismatch', `this replica is bound to space "${state.space}" on ${state.hub ?? 'its hub'}; it was opened for space "${hub.space}" on ${urls.join(', ')}`, {
      details: { bound: { hub: state.hub, space: state.space }, requested: { hub: urls, space: hub.space } },
    })
  }
}
