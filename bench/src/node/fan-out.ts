/**
 * Fan-out measurement shared by P6 and S2: many receivers connected to one space, and one write
 * timed from the writer's emit to each receiver's `commits` handler (every client in this process,
 * so one clock).
 */
import type { CommitsMessage } from '@accord/core'
import { WireClient } from './wire-client.js'

const CONNECT_CONCURRENCY = 50
const ROUND_TIMEOUT_MS = 10_000

/** `count` clients of `space`, client i on `urls[i % urls.length]`, connected 50 at a time. */
export async function connectClients(urls: readonly string[], space: string, count: number): Promise<WireClient[]> {
  const clients: WireClient[] = []
  try {
    for (let i = 0; i < count; i += CONNECT_CONCURRENCY) {
      const n = Math.min(CONNECT_CONCURRENCY, count - i)
      clients.push(...(await Promise.all(Array.from({ length: n }, (_, j) => WireClient.connect(urls[(i + j) % urls.length] as string, space)))))
    }
    return clients
  } catch (error) {
    for (const client of clients) client.close()
    throw error
  }
}

/**
 * Sends one write with `emit` (its commit sets `title`) and resolves with each receiver's delivery
 * time after the emit, in ms, indexed like `receivers`.
 */
export async function deliver(receivers: readonly WireClient[], title: string, emit: () => Promise<void> | void): Promise<number[]> {
  const arrivals: number[] = new Array<number>(receivers.length)
  let received = 0
  let t0 = 0
  const listeners: Array<[WireClient, (m: CommitsMessage) => void]> = []
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${title}: ${received}/${receivers.length} deliveries`)), ROUND_TIMEOUT_MS)
    receivers.forEach((client, i) => {
      const listener = (message: CommitsMessage): void => {
        if (message.commits[0]?.set?.title !== title) return
        arrivals[i] = performance.now() - t0
        if (++received === receivers.length) {
          clearTimeout(timer)
          resolve()
        }
      }
      client.onCommits(listener)
      listeners.push([client, listener])
    })
  })
  try {
    t0 = performance.now()
    await emit()
    await done
  } finally {
    for (const [client, listener] of listeners) client.socket.off('commits', listener)
  }
  // A short pause between rounds, so one round's last frames never overlap the next write.
  await new Promise((resolve) => setTimeout(resolve, 5))
  return arrivals
}
