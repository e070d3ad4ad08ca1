/**
 * A simulated connection's compact wire (`wire: 2` or `3`, core's protocol/wire): every push,
 * broadcast and pull page of the replica goes through the codec and through JSON text, as over a
 * socket, and must come out as the logical message that went in (a room copy: as `roomCopyOf`
 * it). A mismatch or a decoding error is a failure of the run; the run goes on with the decoded
 * message, which is what a real peer gets.
 */
import { canonicalJson, type CommitsMessage, type Handshake, type PullResponse, type PushRequest } from '@accord/core'
import { decodeWireCommits, decodeWirePage, decodeWirePush, encodeWireCommits, encodeWirePage, encodeWirePush, roomCopyOf, type CommitsCopy } from '@accord/core/internal'

const overTheWire = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown

export class SimWire {
  private epoch: number | undefined

  constructor(
    private readonly handshake: Handshake,
    /** 3: this peer takes room copies of other replicas' broadcasts. */
    private readonly wire: 2 | 3,
    private readonly fail: (line: string) => void,
  ) {}

  /** The welcome's hubTime: the reference of the compact pushes' clocks. */
  welcomed(hubTime: number): void {
    this.epoch = hubTime
  }

  push(request: PushRequest): PushRequest {
    if (this.epoch === undefined) return request
    const ctx = { replica: this.handshake.replicaId, writers: this.handshake.writers, epoch: this.epoch }
    return this.check('push', request, decodeWirePush(overTheWire(encodeWirePush(request, ctx)), ctx))
  }

  /** A `wire: 2` peer is sent the author's copy of every batch, as a hub sends it. */
  commits(message: CommitsMessage, copy: CommitsCopy): CommitsMessage {
    const sent = this.wire === 3 ? copy : 'author'
    const expected = sent === 'room' ? roomCopyOf(message) : message
    return this.check('commits', expected, decodeWireCommits(overTheWire(encodeWireCommits(message, sent))))
  }

  page(response: PullResponse): PullResponse {
    if (!response.ok) return response
    const { ok: _ok, ...page } = response
    const decoded = decodeWirePage(overTheWire(encodeWirePage(page)))
    return { ok: true, ...this.check('page', page, decoded) }
  }

  private check<T>(what: string, logical: T, decoded: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
    if (!decoded.ok) {
      this.fail(`compact ${what} did not decode: ${decoded.error.message}`)
      return overTheWire(logical) as T
    }
    if (canonicalJson(decoded.value) !== canonicalJson(overTheWire(logical))) this.fail(`compact ${what} decoded to another message: ${canonicalJson(decoded.value).slice(0, 300)}`)
    return decoded.value
  }
}
