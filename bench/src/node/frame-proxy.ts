/**
 * A loopback TCP proxy in front of a server that counts every byte each way and splits the
 * WebSocket stream into frames (RFC 6455), so P8 can report the frames Socket.IO really sends:
 * header bytes (and the client's masking key) included, payloads unmasked for inspection.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'

export type Direction = 'up' | 'down'

export interface Frame {
  direction: Direction
  opcode: number
  /** Header + masking key + payload: the frame's bytes on the wire. */
  wireBytes: number
  headerBytes: number
  payload: string
}

/** Parses one direction of a connection: the HTTP upgrade first, WebSocket frames after. */
class StreamParser {
  private buffer = Buffer.alloc(0)
  private upgraded = false

  constructor(
    private readonly direction: Direction,
    private readonly onFrame: (frame: Frame) => void,
    private readonly onHttp: (bytes: number) => void,
  ) {}

  push(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk])
    for (;;) {
      if (!this.upgraded) {
        const end = this.buffer.indexOf('\r\n\r\n')
        if (end < 0) return
        this.onHttp(end + 4)
        this.buffer = this.buffer.subarray(end + 4)
        this.upgraded = true
        continue
      }
      if (!this.takeFrame()) return
    }
  }

  private takeFrame(): boolean {
    const b = this.buffer
    if (b.length < 2) return false
    const opcode = (b[0] as number) & 0x0f
    const masked = ((b[1] as number) & 0x80) !== 0
    let length = (b[1] as number) & 0x7f
    let offset = 2
    if (length === 126) {
      if (b.length < 4) return false
      length = b.readUInt16BE(2)
      offset = 4
    } else if (length === 127) {
      if (b.length < 10) return false
      length = Number(b.readBigUInt64BE(2))
      offset = 10
    }
    const maskOffset = offset
    if (masked) offset += 4
    if (b.length < offset + length) return false
    const payload = Buffer.from(b.subarray(offset, offset + length))
    if (masked) for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (b[maskOffset + (i % 4)] as number)
    this.onFrame({ direction: this.direction, opcode, wireBytes: offset + length, headerBytes: offset, payload: payload.toString('utf8') })
    this.buffer = b.subarray(offset + length)
    return true
  }
}

export interface FrameProxy {
  readonly port: number
  readonly frames: Frame[]
  readonly httpBytes: { up: number; down: number }
  /** Forgets the frames captured so far. */
  reset(): void
  close(): Promise<void>
}

/** Starts a proxy on 127.0.0.1 (any free port) in front of `127.0.0.1:targetPort`. */
export async function startFrameProxy(targetPort: number): Promise<FrameProxy> {
  const frames: Frame[] = []
  const httpBytes = { up: 0, down: 0 }
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1')
    sockets.add(client).add(upstream)
    const up = new StreamParser('up', (f) => frames.push(f), (n) => (httpBytes.up += n))
    const down = new StreamParser('down', (f) => frames.push(f), (n) => (httpBytes.down += n))
    client.on('data', (chunk: Buffer) => {
      up.push(chunk)
      upstream.write(chunk)
    })
    upstream.on('data', (chunk: Buffer) => {
      down.push(chunk)
      client.write(chunk)
    })
    const end = (): void => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on('close', end).on('error', end)
    upstream.on('close', end).on('error', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    frames,
    httpBytes,
    reset: () => void frames.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Bytes of a WebSocket frame carrying `payloadBytes` (a client's frames carry a 4-byte mask). */
export function wsFrameBytes(payloadBytes: number, direction: Direction): number {
  const header = payloadBytes < 126 ? 2 : payloadBytes < 65_536 ? 4 : 10
  return header + (direction === 'up' ? 4 : 0) + payloadBytes
}
