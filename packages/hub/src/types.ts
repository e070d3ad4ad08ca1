import type { Server as HttpServer } from 'node:http'
import type { Change, ClientToHubEvents, HubStore, HubToClientEvents, RecordValue, Schema } from '@accord/core'
import type { WireEncoding } from '@accord/core/internal'
import type { Server, ServerOptions, Socket } from 'socket.io'
import type { Logger } from './logger.js'
import type { RateLimiter } from './limits.js'

/** Who a connection acts for, as `authenticate` returned it: an object with an `id`, or the id itself. */
export type Principal = string | { id: string }

/** Decides who a handshake's token belongs to; `null` refuses the connection (`unauthorized`). */
export type AuthenticateFn = (input: {
  token: string | null
  space: string
  replicaId: string
  headers: Record<string, string | string[] | undefined>
}) => Principal | null | Promise<Principal | null>

/**
 * Decides whether a principal may read a space (at the handshake) or make one write. For a write,
 * `before` is the hub's current record and `after` the record the change would produce, so an
 * ownership rule cannot be forged by writing `owner: me`. `false` refuses: the handshake with
 * `unauthorized`, a write by rejecting its whole transaction with code `unauthorized`.
 */
export type AuthorizeFn = (input: {
  principal: Principal
  space: string
  action: 'read' | 'write'
  change?: Change
  before?: RecordValue
  after?: RecordValue
}) => boolean | Promise<boolean>

/** Limits a hub enforces; every field is optional and has a default (see `resolveLimits`). */
export interface HubLimitOptions {
  /** Changes per push (`too_many_changes`). Default 500. */
  batchChanges?: number
  /** Bytes of one push's JSON (`payload_too_large`). Default 1,000,000. */
  batchBytes?: number
  /** Bytes of one record's JSON after a change (the transaction is rejected, `payload_too_large`). Default 256,000. */
  recordBytes?: number
  /** A change's HLC further ahead of the hub than this is replaced by the hub's. Default 60,000 ms. */
  maxClockDriftMs?: number
  /**
   * Largest Socket.IO message (`maxHttpBufferSize`); a bigger one closes the connection before it is
   * parsed. Default `batchBytes` + 64 KiB, so a push slightly over `batchBytes` still gets its code.
   */
  messageBytes?: number
  /** Pushes per second per connection, a token bucket (`rate_limited`). Default 50. */
  pushesPerSecond?: number
  /** Bucket size for pushes: how many may come at once. Default 2 × `pushesPerSecond`. */
  pushBurst?: number
  /** Pulls and head requests per second per connection (`rate_limited`). Default 200, burst 2×. */
  requestsPerSecond?: number
  /** Largest pull page; a larger `limit` is lowered to it. Default 1000. */
  pullLimit?: number
  /**
   * How long tombstones and closed conflicts are kept (open manual conflicts never expire). A
   * replica whose cursor is older re-pulls from 0 (`cursor_expired`). Default 30 days.
   */
  retentionMs?: number
}

export interface CreateHubOptions {
  /** The app's shared schema module's `schema`. Replicas of another version are refused. */
  schema: Schema
  store: HubStore
  /** Default: everyone is the principal `'anonymous'`. */
  authenticate?: AuthenticateFn
  /** Default: everything is allowed. */
  authorize?: AuthorizeFn
  limits?: HubLimitOptions
  /** Passed to Socket.IO as its `cors` option. */
  cors?: ServerOptions['cors']
  /** Port to listen on (0: any free port). Ignored when `server` is given. Default 8787. */
  port?: number
  host?: string
  /** An http server to attach to instead of creating one. `close()` then leaves it running. */
  server?: HttpServer
  /** How often every room is told the space's head. Default 10,000 ms. */
  headIntervalMs?: number
  logger?: Logger
  /**
   * A Socket.IO adapter, passed to the server as is: with several hub processes on one store,
   * e.g. `createAdapter(pub, sub)` of `@socket.io/redis-adapter`, so that a space's broadcasts
   * reach its sockets on every process. Default: Socket.IO's in-memory adapter (one process).
   */
  adapter?: ServerOptions['adapter']
}

export type HubServer = Server<ClientToHubEvents, HubToClientEvents, Record<string, never>, ConnectionState>
export type HubSocket = Socket<ClientToHubEvents, HubToClientEvents, Record<string, never>, ConnectionState>

/** What the handshake established for one socket. */
export interface ConnectionState {
  space: string
  replica: string
  principal: Principal
  principalId: string
  /** Writers the connection declared plus those it has used in a push. */
  writers: Set<string>
  /** The writers the handshake declared, in order: the first is the connection's own. */
  declared: readonly string[]
  pushLimiter: RateLimiter
  requestLimiter: RateLimiter
  /** The encoding the handshake announced (`wire`): the connection's pushes and broadcasts. */
  wire: WireEncoding
  /** The `hubTime` of the connection's `welcome`: the reference of its compact pushes' clocks. */
  epoch?: number
}

/** A running hub. */
export interface Hub {
  /** The port it listens on (the server's, when attached to one). */
  readonly port: number
  readonly io: HubServer
  /** Disconnects the sockets of a principal, of a space, or of both together; returns how many. */
  revoke(match: { principal?: Principal; space?: string }): Promise<number>
  /** Refuses new work, finishes the batches in flight, disconnects every socket, closes the store. */
  close(): Promise<void>
}
