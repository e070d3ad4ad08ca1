import { randomUUID } from 'node:crypto'
import {
  HlcClock,
  PROTOCOL_VERSION,
  type Change,
  type ClientToHubEvents,
  type Commit,
  type CommitsMessage,
  type ConnectErrorData,
  type FieldValues,
  type HandshakeReply,
  type HeadMessage,
  type PullResponse,
  type PushResponse,
} from '@accord/core'
import { decodeWireCommits } from '@accord/core/internal'
import { io, type Socket } from 'socket.io-client'
import { schema } from '../fixtures/schema.js'

type HubToClient = { welcome: (r: HandshakeReply) => void; commits: (m: CommitsMessage | unknown[]) => void; c: (m: unknown[]) => void; head: (m: HeadMessage) => void }
export type ClientSocket = Socket<HubToClient, ClientToHubEvents>

export const ACK_TIMEOUT_MS = 5000

export interface ConnectOptions {
  space?: string
  token?: string | null
  replicaId?: string
  writers?: string[]
  /** Replaces the whole `auth` payload (hostile tests). */
  auth?: unknown
  protocol?: number
  schemaVersion?: number
  /** The wire encoding to announce (2: compact); not announced when absent. */
  wire?: unknown
}

/** A bare protocol client: the socket, what the hub said, and a writer that numbers its changes. */
export class TestReplica {
  readonly commits: Commit[] = []
  readonly messages: CommitsMessage[] = []
  /** The `commits` messages as they came (compact ones are arrays, decoded into `messages`). */
  readonly raw: unknown[] = []
  /** The event each of `raw` came as: `commits`, or `c` (a room copy). */
  readonly events: string[] = []
  readonly heads: number[] = []
  private nextN = 1
  private nextTx = 1
  private readonly clock: HlcClock

  /** Set once the hub's `welcome` arrived. */
  welcome!: HandshakeReply

  constructor(
    readonly socket: ClientSocket,
    readonly replicaId: string,
    public writer: string,
  ) {
    this.clock = new HlcClock({ node: replicaId, now: Date.now })
    const received = (event: 'commits' | 'c', message: CommitsMessage | unknown[]): void => {
      this.events.push(event)
      this.raw.push(message)
      const decoded = Array.isArray(message) ? decodeWireCommits(message) : { ok: true as const, value: message }
      if (!decoded.ok) throw new Error(`a compact broadcast did not decode: ${decoded.error.message}`)
      this.messages.push(decoded.value)
      this.commits.push(...decoded.value.commits)
    }
    socket.on('commits', (message) => received('commits', message))
    socket.on('c', (message) => received('c', message))
    socket.on('head', (message) => this.heads.push(message.head))
  }

  /** The next change of this replica's writer; `txEnd` unless `open` (more of the transaction follows). */
  change(col: string, key: string, op: Change['op'], set?: FieldValues, extra: Partial<Change> & { open?: boolean } = {}): Change {
    const { open, ...rest } = extra
    const change: Change = { writer: this.writer, n: this.nextN, replica: this.replicaId, tx: this.nextTx, col, key, hlc: this.clock.now(), op, ord: this.nextN, base: 0, ...rest }
    if (set !== undefined) change.set = set
    this.nextN += 1
    if (!open) {
      change.txEnd = true
      this.nextTx += 1
    }
    return change
  }

  push(changes: Change[] | unknown, timeoutMs = ACK_TIMEOUT_MS): Promise<PushResponse> {
    const payload = Array.isArray(changes) ? { v: PROTOCOL_VERSION, changes } : changes
    return this.socket.timeout(timeoutMs).emitWithAck('push', payload as never)
  }

  pull(since: number, limit = 1000, cols?: string[]): Promise<PullResponse> {
    return this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('pull', { v: PROTOCOL_VERSION, since, limit, ...(cols ? { cols } : {}) })
  }

  /** Resolves once a received commit matches, or rejects after `timeoutMs`. */
  waitForCommit(match: (commit: Commit) => boolean, timeoutMs = ACK_TIMEOUT_MS): Promise<Commit> {
    return new Promise((resolve, reject) => {
      const found = this.commits.find(match)
      if (found) return resolve(found)
      const timer = setTimeout(() => {
        this.socket.off('commits', listener)
        this.socket.off('c', listener)
        reject(new Error('no matching commit arrived'))
      }, timeoutMs)
      // Runs after the constructor's listener, which has decoded the message into `commits`.
      const listener = (): void => {
        const hit = this.commits.find(match)
        if (!hit) return
        clearTimeout(timer)
        this.socket.off('commits', listener)
        this.socket.off('c', listener)
        resolve(hit)
      }
      this.socket.on('commits', listener)
      this.socket.on('c', listener)
    })
  }

  close(): void {
    this.socket.disconnect()
  }
}

/** The handshake a well-behaved replica sends. */
export function handshake(options: ConnectOptions, replicaId: string, writers: string[]): unknown {
  return (
    options.auth ?? {
      protocol: options.protocol ?? PROTOCOL_VERSION,
      schemaVersion: options.schemaVersion ?? schema.version,
      replicaId,
      writers,
      space: options.space ?? 'team-1',
      token: options.token === undefined ? 'secret' : options.token,
      ...(options.wire === undefined ? {} : { wire: options.wire }),
    }
  )
}

/** Opens a raw socket (no reconnection) with the given handshake. */
export function openSocket(url: string, auth: unknown): ClientSocket {
  return io(url, { auth: auth as Record<string, unknown>, transports: ['websocket'], reconnection: false, forceNew: true, timeout: ACK_TIMEOUT_MS })
}

/** Connects and waits for `welcome`; rejects with the connect error's `data` on refusal. */
export async function connectReplica(url: string, options: ConnectOptions = {}): Promise<TestReplica> {
  const replicaId = options.replicaId ?? `r-${randomUUID().slice(0, 8)}`
  const writers = options.writers ?? [`w-${randomUUID().slice(0, 8)}`]
  const socket = openSocket(url, handshake(options, replicaId, writers))
  // Listening before the welcome: a broadcast may come between joining the room and the welcome.
  const replica = new TestReplica(socket, replicaId, writers[0] ?? `w-${randomUUID().slice(0, 8)}`)
  replica.welcome = await new Promise<HandshakeReply>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no welcome')), ACK_TIMEOUT_MS)
    socket.once('welcome', (reply) => {
      clearTimeout(timer)
      resolve(reply)
    })
    socket.once('connect_error', (error: Error & { data?: ConnectErrorData }) => {
      clearTimeout(timer)
      socket.disconnect()
      reject(new ConnectRefused(error.data ?? { code: 'transport', message: error.message }))
    })
  })
  return replica
}

export class ConnectRefused extends Error {
  constructor(readonly data: ConnectErrorData) {
    super(`${data.code}: ${data.message}`)
  }
}

/** The code a connection attempt was refused with. */
export async function refusalCode(url: string, options: ConnectOptions): Promise<string> {
  try {
    const replica = await connectReplica(url, options)
    replica.close()
    return 'connected'
  } catch (error) {
    if (error instanceof ConnectRefused) return error.data.code
    throw error
  }
}
