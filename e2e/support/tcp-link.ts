/**
 * A test-controlled TCP path to the hub: the only way to take a SharedWorker's replica off the
 * network, since `context.setOffline` does not reach a SharedWorker (see shared toolchain notes).
 *
 *   cut()      every open connection is reset and new ones are refused (accepted, then reset) until
 *   restore()  lets connections through again
 *
 * The target is read on every new connection, so the hub behind it may restart on another port.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net'

export interface TcpLink {
  /** http://127.0.0.1:<port> */
  readonly url: string
  readonly port: number
  readonly isCut: boolean
  cut(): void
  restore(): void
  /** Connections accepted so far (for a test to see that a device did reconnect). */
  readonly accepted: number
  close(): Promise<void>
}

export async function openTcpLink(target: () => number | undefined): Promise<TcpLink> {
  const open = new Set<Socket>()
  let cut = false
  let accepted = 0
  const server: Server = createServer((client) => {
    const port = target()
    if (cut || port === undefined) {
      client.resetAndDestroy()
      return
    }
    accepted += 1
    const upstream = createConnection({ host: '127.0.0.1', port })
    open.add(client)
    open.add(upstream)
    const drop = (): void => {
      open.delete(client)
      open.delete(upstream)
      if (!client.destroyed) client.resetAndDestroy()
      if (!upstream.destroyed) upstream.destroy()
    }
    client.on('error', drop).on('close', drop)
    upstream.on('error', drop).on('close', drop)
    client.pipe(upstream)
    upstream.pipe(client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('tcp link: no port')
  const port = address.port
  const resetAll = (): void => {
    for (const socket of open) if (!socket.destroyed) socket.resetAndDestroy()
    open.clear()
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get isCut() {
      return cut
    },
    get accepted() {
      return accepted
    },
    cut() {
      cut = true
      resetAll()
    },
    restore() {
      cut = false
    },
    close: () =>
      new Promise<void>((resolve) => {
        resetAll()
        server.close(() => resolve())
      }),
  }
}
