import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net'

/** A TCP proxy on 127.0.0.1 that holds every chunk, both ways, for `delayMs` before passing it on, in order. */
export interface DelayProxy {
  port: number
  /** Drops every connection at once, with what it still held, and refuses new ones until `heal()`. */
  cut(): void
  heal(): void
  close(): Promise<void>
}

/**
 * Puts a slow link in front of `targetPort`: a hub process whose Redis connection goes through it
 * publishes its broadcasts late, so other processes' later commits reach replicas first.
 */
export async function startDelayProxy(targetPort: number, delayMs: number): Promise<DelayProxy> {
  const sockets = new Set<Socket>()
  let refusing = false
  const track = (socket: Socket): Socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    return socket
  }
  // Timers of equal delay fire in the order they were set, so chunks keep their order.
  const pipeSlowly = (from: Socket, to: Socket): void => {
    from.on('data', (chunk) => void setTimeout(() => to.destroyed || to.write(chunk), delayMs))
    from.on('close', () => void setTimeout(() => to.destroy(), delayMs))
  }
  const server: Server = createServer((client) => {
    if (refusing) return void client.destroy()
    const upstream = track(createConnection({ host: '127.0.0.1', port: targetPort }))
    track(client)
    pipeSlowly(client, upstream)
    pipeSlowly(upstream, client)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    cut: () => {
      refusing = true
      for (const socket of sockets) socket.destroy()
    },
    heal: () => {
      refusing = false
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
