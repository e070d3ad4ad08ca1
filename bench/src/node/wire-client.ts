/**
 * A bare protocol client for the Node figures: a socket.io-client socket that speaks the hub's
 * handshake and `push`, numbering its changes as a replica's single writer does. It holds no
 * replica state: figures P5 and P6 measure the hub, not a client.
 */
import { randomUUID } from 'node:crypto'
import { HlcClock, PROTOCOL_VERSION, type Change, type CommitsMessage, type FieldValues, type PushResponse } from '@accord/core'
import { io, type Socket } from 'socket.io-client'
import { schema } from '../schema.js'

const TIMEOUT_MS = 30_000

export class WireClient {
  readonly replicaId: string
  readonly writer: string
  private nextN = 1
  private readonly clock: HlcClock

  private constructor(readonly socket: Socket) {
    const auth = socket.auth as { replicaId: string; writers: string[] }
    this.replicaId = auth.replicaId
    this.writer = auth.writers[0] as string
    this.clock = new HlcClock({ node: this.replicaId, now: Date.now })
  }

  /** Connects and resolves on the server's `welcome` (the hub's, or the relay's). */
  static async connect(url: string, space: string): Promise<WireClient> {
    const replicaId = `r-${randomUUID().slice(0, 8)}`
    const auth = { protocol: PROTOCOL_VERSION, schemaVersion: schema.version, replicaId, writers: [`w-${randomUUID().slice(0, 8)}`], space, token: null }
    const socket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true, timeout: TIMEOUT_MS })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no welcome')), TIMEOUT_MS)
      socket.once('welcome', () => {
        clearTimeout(timer)
        resolve()
      })
      socket.once('connect_error', (error) => {
        clearTimeout(timer)
        socket.disconnect()
        reject(error)
      })
    })
    return new WireClient(socket)
  }

  /** One change in its own transaction, shaped as the client runtime sends it. */
  change(op: 'put' | 'patch', key: string, set: FieldValues, extra: Partial<Change> = {}): Change {
    const n = this.nextN++
    return { writer: this.writer, n, replica: this.replicaId, tx: n, txEnd: true, col: 'items', key, hlc: this.clock.now(), op, ord: n, set, base: 0, ...extra }
  }

  async push(changes: Change[]): Promise<PushResponse & { ok: true }> {
    const reply = (await this.socket.timeout(TIMEOUT_MS).emitWithAck('push', { v: PROTOCOL_VERSION, changes })) as PushResponse
    if (!reply.ok) throw new Error(`push refused: ${reply.error.code} ${reply.error.message}`)
    return reply
  }

  onCommits(listener: (message: CommitsMessage) => void): void {
    this.socket.on('commits', listener)
  }

  close(): void {
    this.socket.disconnect()
  }
}
