import { createAdapter } from '@socket.io/redis-adapter'
import { createClient } from 'redis'
import type { ServerOptions } from 'socket.io'

/** A connected `@socket.io/redis-adapter`: what to hand to `createHub`, its state, and its end. */
export interface RedisBroadcast {
  /** The Socket.IO adapter: broadcasts to a room reach that room's sockets on every hub process. */
  adapter: NonNullable<ServerOptions['adapter']>
  /** Both connections up (publishing and subscribed); otherwise broadcasts stay on this process. */
  health(): { kind: 'redis'; ok: boolean; detail: string }
  /** Disconnects (after the hub closed: its last broadcasts are published by then). */
  close(): Promise<void>
}

export interface RedisBroadcastOptions {
  url: string
  /** Channel prefix: hub clusters sharing one Redis must use different keys. */
  key: string
  /** How long to wait for Redis at start before giving up. Default 10 s. */
  connectTimeoutMs?: number
  /** Told when a connection fails or comes back (node-redis reconnects by itself). */
  onEvent?: (event: 'error' | 'reconnecting' | 'ready', detail?: unknown) => void
}

/**
 * Connects the two Redis clients the adapter needs (pub/sub takes a connection of its own) and
 * builds the adapter. Rejects when Redis cannot be reached within `connectTimeoutMs`.
 *
 * Redis pub/sub is at-most-once: a message published while a process is cut from Redis is lost
 * to that process's sockets. The protocol does not depend on it: replicas check seq contiguity,
 * pull on a gap, and the head announcement reveals a missed last broadcast (DESIGN §3 rule 5).
 */
export async function connectRedisBroadcast(options: RedisBroadcastOptions): Promise<RedisBroadcast> {
  const pub = createClient({ url: options.url })
  const sub = pub.duplicate()
  for (const client of [pub, sub]) {
    // node-redis emits 'error' on every failed (re)connection; unheard, it would end the process.
    client.on('error', (error: unknown) => options.onEvent?.('error', error))
    client.on('reconnecting', () => options.onEvent?.('reconnecting'))
    client.on('ready', () => options.onEvent?.('ready'))
  }
  const timeoutMs = options.connectTimeoutMs ?? 10_000
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      Promise.all([pub.connect(), sub.connect()]),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`could not reach Redis at ${redact(options.url)} within ${timeoutMs} ms`)), timeoutMs))),
    ])
  } catch (error) {
    await Promise.allSettled([pub.disconnect(), sub.disconnect()])
    throw error
  } finally {
    clearTimeout(timer)
  }
  // The adapter drops the promises of the PUBLISH and SUBSCRIBE commands it sends. One still
  // waiting for its reply when the connection drops rejects with nobody listening, and Node ends
  // the process on an unhandled rejection. A broadcast is at-most-once anyway (replicas pull on a
  // gap), and node-redis subscribes again when it reconnects: report the failure, go on.
  const report = (error: unknown): void => options.onEvent?.('error', error)
  const publish = pub.publish.bind(pub)
  pub.publish = ((...args: Parameters<typeof publish>) => publish(...args).catch((error: unknown) => (report(error), 0))) as typeof pub.publish
  const subscribe = sub.subscribe.bind(sub)
  sub.subscribe = ((...args: Parameters<typeof subscribe>) => subscribe(...args).catch(report)) as typeof sub.subscribe
  const pSubscribe = sub.pSubscribe.bind(sub)
  sub.pSubscribe = ((...args: Parameters<typeof pSubscribe>) => pSubscribe(...args).catch(report)) as typeof sub.pSubscribe
  const where = `redis ${redact(options.url)} key ${options.key}`
  return {
    adapter: createAdapter(pub, sub, { key: options.key }),
    health: () => ({ kind: 'redis', ok: pub.isReady && sub.isReady, detail: pub.isReady && sub.isReady ? where : `${where}: not connected` }),
    close: async () => {
      await Promise.allSettled([pub.quit(), sub.quit()])
    },
  }
}

/** The URL without its password, for logs and health details. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`
  } catch {
    return 'redis'
  }
}
