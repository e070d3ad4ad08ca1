/**
 * The client's end of the wire encoding (core's protocol/wire): announces it in the handshake,
 * encodes pushes and decodes broadcasts and pull pages for one session. The engine above sees
 * logical messages only. A broadcast that does not decode is dropped like any malformed one: the
 * gap it leaves is filled by a pull.
 */
import type { CommitsMessage, Handshake, HandshakeReply, PullResponse, PushRequest } from '@accord/core'
import { decodeWireCommits, decodeWirePage, encodeWirePush, isCompactWire, WIRE_ROOM_COPY, type WireEncoding, type WirePush } from '@accord/core/internal'

export class WireCodec {
  readonly handshake: Handshake
  private epoch: number | undefined

  constructor(
    handshake: Handshake,
    readonly wire: WireEncoding = WIRE_ROOM_COPY,
  ) {
    this.handshake = isCompactWire(wire) ? { ...handshake, wire } : { ...handshake }
  }

  /** The welcome's hubTime is the reference of the compact pushes' clocks. */
  welcomed(reply: HandshakeReply): void {
    this.epoch = reply.hubTime
  }

  push(request: PushRequest): PushRequest | WirePush {
    if (!isCompactWire(this.wire) || this.epoch === undefined) return request
    return encodeWirePush(request, { replica: this.handshake.replicaId, writers: this.handshake.writers, epoch: this.epoch })
  }

  /** A compact page as the logical answer; one that does not decode fails the pull as `malformed`. */
  pullResponse(response: unknown): PullResponse {
    if (!Array.isArray(response)) return response as PullResponse
    const decoded = decodeWirePage(response)
    return decoded.ok ? { ok: true, ...decoded.value } : { ok: false, error: decoded.error }
  }

  /**
   * The logical message, or undefined for one that does not decode. A room copy (another
   * replica's batch, `wire: 3`) comes without authors: this database holds none of their writers.
   * A hub that speaks only `wire: 2` sends every socket the author's copy, decoded the same way.
   */
  commits(message: unknown): CommitsMessage | undefined {
    if (!Array.isArray(message)) return message as CommitsMessage
    const decoded = decodeWireCommits(message)
    return decoded.ok ? decoded.value : undefined
  }
}
