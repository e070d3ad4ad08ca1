import type { Change, Commit, ConflictRecord, PushAck } from '../model/change.js'
import type { WireError } from '../model/errors.js'
import type { RecordValue } from '../model/json.js'
import type { WireCommits } from './wire/commits.js'
import type { WirePage } from './wire/page.js'
import type { WirePush } from './wire/push.js'

/** Wire protocol version. A hub serves only its own; see `client_too_old` / `hub_too_old`. */
export const PROTOCOL_VERSION = 1

/** Sent as Socket.IO's `auth` payload when a replica connects (DESIGN §3 rule 1). */
export interface Handshake {
  protocol: number
  schemaVersion: number
  replicaId: string
  /** The writers this connection holds (a leader declares all writers with pending changes). */
  writers: string[]
  space: string
  token: string | null
  /**
   * The highest wire encoding the replica speaks (see protocol/wire): absent or 1, the logical
   * JSON messages; 2, compact pushes, broadcasts and pull pages; 3, as 2, with other replicas'
   * broadcasts as room copies (no authors). A hub answers in the encoding announced (up to the
   * highest it speaks).
   */
  wire?: number
}

/** The hub's limits, told to every replica at the handshake. */
export interface HubLimits {
  /** Changes per push. */
  batchChanges: number
  /** Bytes per push message (JSON). */
  batchBytes: number
  /** Bytes per record (JSON). */
  recordBytes: number
  /** How far ahead of the hub a clock may run before it is replaced (or reset, on a replica). */
  maxClockDriftMs: number
}

/** The hub's answer to a good handshake, emitted as `welcome` once the socket is in the room. */
export interface HandshakeReply {
  v: typeof PROTOCOL_VERSION
  storeId: string
  head: number
  hubTime: number
  principal: string
  /** Watermarks of the declared writers the hub knows. */
  watermarks: { [writer: string]: number }
  limits: HubLimits
  /**
   * The hub reads an absent `prev` as *left out* and asks for it (`prev_required`, protocol §2).
   * A replica leaves `prev` out only when the hub says so: an older hub reads an absent `prev` as
   * *none*, and would settle a conflict on an empty base.
   */
  prevOnDemand?: true
}

export interface PushRequest {
  v: typeof PROTOCOL_VERSION
  changes: Change[]
}

export type PushResponse = ({ ok: true } & PushAck) | { ok: false; error: WireError }

export interface PullRequest {
  v: typeof PROTOCOL_VERSION
  /** Records with version > since. */
  since: number
  /** Records per page. */
  limit: number
  /** Only these collections, when given. */
  cols?: string[]
  /**
   * Where this catch-up started (its first page's `since`), when it pages on from there. The hub
   * judges retention on it: a catch-up that started at 0 never needs purged tombstones, one that
   * started below `purgedThrough` does (`cursor_expired`), even on a later page.
   */
  origin?: number
  /** The `purgedThrough` the catch-up's first page was read under (see `PullPage.purgedThrough`). */
  horizon?: number
}

/** A record's current state in a pull page. */
export interface PulledRecord {
  col: string
  key: string
  version: number
  /** The value; absent for a tombstone. */
  value?: RecordValue
  deleted?: true
  /** Highest HLC of the record's fields, so the replica's clock follows. */
  hlc: string
}

export interface PullPage {
  v: typeof PROTOCOL_VERSION
  records: PulledRecord[]
  /** ConflictRecords opened or closed in (since, until]; refusals only this replica's. */
  conflicts: ConflictRecord[]
  /** Watermarks of this replica's writers. */
  watermarks: { [writer: string]: number }
  /** The replica is complete through this seq after the page. */
  until: number
  head: number
  /** Whether another page follows. */
  more: boolean
  /**
   * The hub's purge horizon when the page was read. A replica sends its first page's value back as
   * `horizon`; a purge past a later page's `since` during the catch-up then gets `cursor_expired`.
   */
  purgedThrough?: number
}

export type PullResponse = ({ ok: true } & PullPage) | { ok: false; error: WireError }

/** One settled batch, emitted once to the space's room. */
export interface CommitsMessage {
  v: typeof PROTOCOL_VERSION
  commits: Commit[]
}

export interface HeadMessage {
  v: typeof PROTOCOL_VERSION
  head: number
}

export type HeadResponse = { ok: true; head: number } | { ok: false; error: WireError }

/** Events a replica emits (the generic of the hub's Server and the client's Socket). */
export interface ClientToHubEvents {
  /** A `PushRequest`, or its compact form on a `wire: 2` or `3` connection. */
  push: (request: PushRequest | WirePush, ack: (response: PushResponse) => void) => void
  /** Answered with a `PullResponse`, or a page's compact form on a `wire: 2` or `3` connection. */
  pull: (request: PullRequest, ack: (response: PullResponse | WirePage) => void) => void
  head: (ack: (response: HeadResponse) => void) => void
}

/** Events the hub emits. */
export interface HubToClientEvents {
  welcome: (reply: HandshakeReply) => void
  /**
   * A `CommitsMessage`, or its compact form on a `wire: 2` or `3` connection (on `wire: 3`, the
   * author's copy of the replica's own batches; see protocol/wire/commits.ts).
   */
  commits: (message: CommitsMessage | WireCommits) => void
  /**
   * The room copy of another replica's batch, on a `wire: 3` connection. Most of what a replica
   * receives, so its event name is one letter: a Socket.IO packet spells the name in every message.
   */
  c: (message: WireCommits) => void
  head: (message: HeadMessage) => void
}

/** The `data` of a Socket.IO connect error the hub raises: a stable code. */
export interface ConnectErrorData {
  code: string
  message: string
}

/** Defaults a hub uses unless told otherwise. */
export const DEFAULT_LIMITS: HubLimits = {
  batchChanges: 500,
  batchBytes: 1_000_000,
  recordBytes: 256_000,
  maxClockDriftMs: 60_000,
}
