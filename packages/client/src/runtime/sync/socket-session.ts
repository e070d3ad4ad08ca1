/**
 * socket.io-client bound to core's `ReplicaTransport` (STYLE §3: the engine holds the logic, this
 * file only moves messages). One session is one Socket.IO connection: the handshake travels as
 * Socket.IO's `auth`, the hub's `welcome` makes the session usable, `commits` and `head` go to the
 * handlers, and push/pull/head are acknowledged requests with a timeout. A refused connection
 * fails with the hub's code (`err.data.code`: `unauthorized`, `client_too_old`, …).
 */
import type { ClientToHubEvents, CommitsMessage, ConnectErrorData, Handshake, HandshakeReply, HeadMessage, HubToClientEvents } from '@accord/core'
import type { ReplicaTransport, WireEncoding } from '@accord/core/internal'
import { io, type Socket } from 'socket.io-client'
import { ConnectFailure, type LoopConnection } from './connection-loop.js'
import { WireCodec } from './wire-codec.js'

type ClientSocket = Socket<HubToClientEvents, ClientToHubEvents>

/** Socket.IO settings of every connection attempt. */
export interface SocketSessionOptions {
  /** Acknowledgement timeout of push, pull and head. Default 10,000 ms. */
  ackTimeoutMs?: number
  /** How long connecting plus the `welcome` may take. Default 10,000 ms. */
  connectTimeoutMs?: number
  /** Default `['websocket']`: no long-polling round trips, and what the hub is tested with. */
  transports?: ('websocket' | 'polling' | 'webtransport')[]
  /** Socket.IO path, when the hub is mounted elsewhere. */
  path?: string
  /**
   * The wire encoding to announce: 3 (default), compact pushes, broadcasts and pull pages, and
   * other replicas' broadcasts without their authors; 2, compact with every broadcast whole; 1,
   * the logical JSON messages (what every hub accepts; for debugging and compatibility tests).
   */
  wire?: WireEncoding
}

/** Where a session delivers what the hub sends. */
export interface SocketSessionHandlers {
  /**
   * The hub said welcome: called synchronously, before any later message is handled. Returning a
   * failure refuses the session (e.g. `principal_changed`).
   */
  welcome(reply: HandshakeReply, transport: ReplicaTransport): ConnectFailure | undefined
  commits(message: CommitsMessage): void
  head(message: HeadMessage): void
  /** The connection is gone (after `welcome`). */
  closed(reason: string): void
}

/** A connected session: what the connection loop holds. */
export interface SocketSession extends LoopConnection {
  readonly reply: HandshakeReply
}

/** Connects to `url` with `handshake`; resolves at the hub's `welcome`, rejects with a ConnectFailure. */
export function openSocketSession(url: string, handshake: Handshake, options: SocketSessionOptions, handlers: SocketSessionHandlers): Promise<SocketSession> {
  const ackTimeoutMs = options.ackTimeoutMs ?? 10_000
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000
  const codec = new WireCodec(handshake, options.wire)
  const socket: ClientSocket = io(url, {
    auth: codec.handshake,
    transports: options.transports ?? ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: connectTimeoutMs,
    ...(options.path ? { path: options.path } : {}),
  })
  const transport: ReplicaTransport = {
    push: (request) => socket.timeout(ackTimeoutMs).emitWithAck('push', codec.push(request)),
    pull: async (request) => codec.pullResponse(await socket.timeout(ackTimeoutMs).emitWithAck('pull', request)),
    head: () => socket.timeout(ackTimeoutMs).emitWithAck('head'),
  }
  return new Promise<SocketSession>((resolve, reject) => {
    let settled = false
    let ended = false
    let resolveClosed: () => void = () => undefined
    const closed = new Promise<void>((r) => (resolveClosed = r))
    /** Ends the session once, whoever ends it; listeners go first so nothing arrives afterwards. */
    const end = (reason: string): void => {
      if (ended) return
      ended = true
      socket.removeAllListeners()
      socket.disconnect()
      if (settled) {
        handlers.closed(reason)
        resolveClosed()
      }
    }
    const fail = (failure: ConnectFailure): void => {
      if (settled) return
      clearTimeout(timer)
      end(failure.code)
      settled = true
      reject(failure)
    }
    const timer = setTimeout(() => fail(new ConnectFailure('timeout', `no welcome from ${url} within ${connectTimeoutMs} ms`)), connectTimeoutMs)
    socket.on('connect_error', (error: Error & { data?: Partial<ConnectErrorData> }) => {
      const code = typeof error.data?.code === 'string' ? error.data.code : 'unreachable'
      fail(new ConnectFailure(code, typeof error.data?.message === 'string' ? error.data.message : error.message))
    })
    socket.on('welcome', (reply) => {
      if (settled) return
      codec.welcomed(reply)
      const refusal = handlers.welcome(reply, transport)
      if (refusal) return fail(refusal)
      settled = true
      clearTimeout(timer)
      resolve({ reply, closed, close: () => end('closed by the client') })
    })
    const onCommits = (message: unknown): void => {
      const logical = settled ? codec.commits(message) : undefined
      if (logical && isCommitsMessage(logical)) handlers.commits(logical)
    }
    socket.on('commits', onCommits)
    socket.on('c', onCommits)
    socket.on('head', (message) => {
      if (settled && typeof message?.head === 'number') handlers.head(message)
    })
    socket.on('disconnect', (reason) => {
      if (!settled) fail(new ConnectFailure('unreachable', `disconnected before welcome: ${reason}`))
      else end(reason)
    })
  })
}

function isCommitsMessage(message: unknown): message is CommitsMessage {
  return typeof message === 'object' && message !== null && Array.isArray((message as CommitsMessage).commits)
}
