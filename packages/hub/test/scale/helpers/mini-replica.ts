import { randomUUID } from 'node:crypto'
import { HlcClock, PROTOCOL_VERSION, type Change, type Commit, type FieldValues, type HandshakeReply, type PullResponse, type PushRequest, type PushResponse, type RecordValue } from '@accord/core'
import { applyCommitValue, decodeWireCommits, decodeWirePage, encodeWirePush } from '@accord/core/internal'
import { io, type Socket } from 'socket.io-client'
import { schema } from '../../fixtures/schema.js'
import { until } from '../../helpers/harness.js'

const ACK_TIMEOUT_MS = 10_000
const RETRY_MS = 50

export interface MiniReplicaOptions {
  /** Hub processes in order of preference: when the current one is lost, the next is tried. */
  urls: string[]
  space: string
  replicaId?: string
  /** Pushes in flight at once. Default 4. */
  window?: number
  /** How long a gap in seqs may stay open before the replica pulls (DESIGN §3 rule 5). Default 200 ms. */
  gapGraceMs?: number
  /** Records per catch-up page. Default 50. */
  pageLimit?: number
  /** Called after each acknowledgement, synchronously: a test can act at an exact point of the stream. */
  onAck?: (replica: MiniReplica) => void
  /** Called for each commit applied from a broadcast, synchronously. */
  onLive?: (commit: Commit) => void
  /**
   * 2: announce the compact wire encoding (compact pushes, compact broadcasts); 3: and take room
   * copies (no authors) of other replicas' broadcasts. Default: the logical messages.
   */
  wire?: 2 | 3
}

/**
 * A replica speaking the protocol over a raw socket, with the parts the scale-out tests rely on:
 * an outbox re-sent after a reconnection (settled changes are acknowledged, never re-applied),
 * commits applied only in seq order (`seq = cursor + 1` and `pv` = its record's version), a gap
 * buffered for `gapGraceMs` and then filled by a pull, catch-up on every welcome and head, and
 * failover to the next URL when its hub goes away. One writer, puts and patches only.
 */
export class MiniReplica {
  readonly replicaId: string
  readonly writer = `w-${randomUUID().slice(0, 8)}`
  cursor = 0
  /** Confirmed records by `col/key`. */
  readonly records = new Map<string, { version: number; value: RecordValue | undefined }>()
  /** Commits applied from broadcasts, in the order applied. */
  readonly live: Commit[] = []
  /** `settledUnheard`: changes the hub had settled without this replica hearing the ack (lost with a hub). */
  readonly stats = { outOfOrder: 0, stale: 0, gapPulls: 0, catchUps: 0, failovers: 0, welcomes: 0, settledUnheard: 0 }
  /** Anything that must never happen (a pv that does not match, a refused push); tests expect none. */
  readonly problems: string[] = []
  /** Highest `n` the hub acknowledged. */
  acked = 0
  /** Index into `urls` of the hub in use. */
  urlIndex = 0

  private readonly clock: HlcClock
  private readonly buffer = new Map<number, Commit>()
  private readonly outbox: Change[] = []
  private nextN = 1
  private sentThrough = 0
  private inflight = 0
  private socket: Socket | undefined
  private catchingUp = false
  private catchUpAgain = false
  private gapTimer: NodeJS.Timeout | undefined
  private closed = false
  private storeId: string | undefined
  /** The welcome's hubTime: the reference of compact pushes' clocks on this connection. */
  private epoch = 0

  private constructor(private readonly options: MiniReplicaOptions) {
    this.replicaId = options.replicaId ?? `r-${randomUUID().slice(0, 8)}`
    this.clock = new HlcClock({ node: this.replicaId, now: Date.now })
  }

  /** Connects to the first URL and resolves once welcomed. */
  static async open(options: MiniReplicaOptions): Promise<MiniReplica> {
    const replica = new MiniReplica(options)
    await replica.connect()
    return replica
  }

  /** Queues a put (its own transaction) and sends it when the window allows. */
  put(col: string, key: string, set: FieldValues): void {
    const n = this.nextN++
    this.outbox.push({ writer: this.writer, n, replica: this.replicaId, tx: n, txEnd: true, col, key, hlc: this.clock.now(), op: 'put', ord: n, base: 0, set })
    this.pump()
  }

  /** Every queued change acknowledged. */
  get settled(): boolean {
    return this.acked === this.nextN - 1
  }

  /** Resolves when `check` holds, polling; rejects after `timeoutMs` with what is known. */
  async waitFor(check: (r: MiniReplica) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    await until(() => check(this), timeoutMs, `${this.replicaId} ${what} (cursor ${this.cursor}, acked ${this.acked}, ${JSON.stringify(this.stats)})`)
  }

  /** Records that are not deleted, `col/key` → version and value: compare with the hub's pull. */
  visible(): Map<string, { version: number; value: RecordValue }> {
    const out = new Map<string, { version: number; value: RecordValue }>()
    for (const [k, r] of this.records) if (r.value !== undefined) out.set(k, { version: r.version, value: r.value })
    return out
  }

  close(): void {
    this.closed = true
    clearTimeout(this.gapTimer)
    this.socket?.disconnect()
  }

  private connect(): Promise<void> {
    const url = this.options.urls[this.urlIndex % this.options.urls.length] as string
    const auth = { protocol: PROTOCOL_VERSION, schemaVersion: schema.version, replicaId: this.replicaId, writers: [this.writer], space: this.options.space, token: 'secret', ...(this.options.wire ? { wire: this.options.wire } : {}) }
    const socket: Socket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 5000 })
    this.socket = socket
    this.inflight = 0
    for (const event of ['commits', 'c']) socket.on(event, (message: unknown) => socket === this.socket && this.onCommits(this.logicalCommits(message)))
    socket.on('head', (message: { head: number }) => socket === this.socket && message.head > this.cursor && void this.catchUp())
    socket.on('disconnect', () => socket === this.socket && !this.closed && void this.failover())
    return new Promise((resolve, reject) => {
      socket.once('welcome', (welcome: HandshakeReply) => {
        this.onWelcome(welcome)
        resolve()
      })
      socket.once('connect_error', (error) => {
        socket.disconnect()
        reject(error)
      })
    })
  }

  private pushPayload(change: Change): unknown {
    const request: PushRequest = { v: PROTOCOL_VERSION, changes: [change] }
    return this.options.wire ? encodeWirePush(request, { replica: this.replicaId, writers: [this.writer], epoch: this.epoch }) : request
  }

  private logicalPage(response: unknown): PullResponse {
    if (!Array.isArray(response)) return response as PullResponse
    if (!this.options.wire) this.problems.push('a compact page reached a verbose replica')
    const decoded = decodeWirePage(response)
    return decoded.ok ? { ok: true, ...decoded.value } : { ok: false, error: decoded.error }
  }

  private logicalCommits(message: unknown): Commit[] {
    if (!Array.isArray(message)) return (message as { commits: Commit[] }).commits
    if (!this.options.wire) this.problems.push('a compact broadcast reached a verbose replica')
    const decoded = decodeWireCommits(message)
    if (decoded.ok) return decoded.value.commits
    this.problems.push(`a compact broadcast did not decode: ${decoded.error.message}`)
    return []
  }

  private onWelcome(welcome: HandshakeReply): void {
    this.epoch = welcome.hubTime
    this.stats.welcomes += 1
    if (this.storeId !== undefined && this.storeId !== welcome.storeId) this.problems.push(`storeId changed to ${welcome.storeId}`)
    this.storeId = welcome.storeId
    const watermark = welcome.watermarks[this.writer] ?? 0
    this.stats.settledUnheard += Math.max(0, watermark - this.acked)
    this.acknowledge(watermark)
    this.sentThrough = this.acked
    void this.catchUp()
    this.pump()
  }

  /** The hub is gone: the next URL, then the next, until one welcomes this replica. */
  private async failover(): Promise<void> {
    this.socket = undefined
    clearTimeout(this.gapTimer)
    this.gapTimer = undefined
    this.stats.failovers += 1
    for (let attempt = 0; attempt < 100 && !this.closed; attempt++) {
      this.urlIndex += 1
      try {
        await this.connect()
        return
      } catch {
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS)) // backoff between attempts
      }
    }
    this.problems.push('no hub would take the replica back')
  }

  private pump(): void {
    const socket = this.socket
    const window = this.options.window ?? 4
    while (socket?.connected && this.inflight < window && this.sentThrough < this.nextN - 1) {
      const change = this.outbox.find((c) => c.n === this.sentThrough + 1)
      if (!change) break
      this.sentThrough += 1
      this.inflight += 1
      socket
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck('push', this.pushPayload(change))
        .then(
          (response: PushResponse) => this.onAck(socket, response),
          () => this.onAck(socket, undefined),
        )
    }
  }

  private onAck(socket: Socket, response: PushResponse | undefined): void {
    if (socket !== this.socket || this.closed) return // lost with its hub; the next connection re-sends
    this.inflight -= 1
    if (response?.ok) {
      this.acknowledge(response.through[this.writer] ?? 0)
      this.options.onAck?.(this)
    } else {
      const code = response?.error.code ?? 'timeout'
      if (code === 'out_of_order') this.acknowledge(Number((response?.error.details as { watermark?: number } | undefined)?.watermark ?? 0))
      else if (code !== 'rate_limited' && code !== 'timeout' && code !== 'closed') this.problems.push(`push refused: ${code} ${response?.error.message ?? ""}`)
      // Re-send everything unacknowledged; a duplicate is acknowledged, never applied again.
      this.sentThrough = this.acked
      setTimeout(() => this.pump(), RETRY_MS)
      return
    }
    this.pump()
  }

  private acknowledge(through: number): void {
    if (through <= this.acked) return
    this.acked = through
    while (this.outbox[0] && this.outbox[0].n <= through) this.outbox.shift()
    if (this.sentThrough < through) this.sentThrough = through
  }

  private onCommits(commits: Commit[]): void {
    for (const commit of commits) {
      if (commit.seq <= this.cursor) this.stats.stale += 1
      else this.buffer.set(commit.seq, commit)
    }
    if (!this.catchingUp) this.drain(true)
  }

  /** Applies buffered commits while they continue the cursor; a remaining gap gets `gapGraceMs`. */
  private drain(live: boolean): void {
    for (let next = this.buffer.get(this.cursor + 1); next; next = this.buffer.get(this.cursor + 1)) {
      this.buffer.delete(next.seq)
      this.apply(next)
      if (!live) continue
      this.live.push(next)
      this.options.onLive?.(next)
    }
    for (const seq of this.buffer.keys()) if (seq <= this.cursor) this.buffer.delete(seq)
    if (this.buffer.size === 0) {
      clearTimeout(this.gapTimer)
      this.gapTimer = undefined
      return
    }
    if (this.gapTimer) return
    this.stats.outOfOrder += 1
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined
      if (this.buffer.size === 0) return
      this.stats.gapPulls += 1
      void this.catchUp()
    }, this.options.gapGraceMs ?? 200)
  }

  private apply(commit: Commit): void {
    const id = `${commit.col}/${commit.key}`
    const record = this.records.get(id)
    const version = record?.version ?? 0
    if (commit.pv !== version) this.problems.push(`seq ${commit.seq}: pv ${commit.pv} but ${id} is at ${version}`)
    const noop = commit.rejected !== undefined || (!commit.set && !commit.unset && !commit.del)
    if (!noop) this.records.set(id, { version: commit.seq, value: applyCommitValue(record?.value, commit) })
    this.cursor = commit.seq
  }

  /** Pulls from the cursor to the head; commits arriving meanwhile wait in the buffer. */
  private async catchUp(): Promise<void> {
    if (this.catchingUp) {
      this.catchUpAgain = true
      return
    }
    this.catchingUp = true
    this.stats.catchUps += 1
    try {
      for (let more = true; more && this.socket && !this.closed; ) {
        const page = this.logicalPage(await this.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('pull', { v: PROTOCOL_VERSION, since: this.cursor, limit: this.options.pageLimit ?? 50 }))
        if (!page.ok) {
          if (page.error.code !== 'rate_limited') this.problems.push(`pull refused: ${page.error.code}`)
          await new Promise((resolve) => setTimeout(resolve, RETRY_MS)) // the bucket refills
          continue
        }
        for (const r of page.records) this.records.set(`${r.col}/${r.key}`, { version: r.version, value: r.deleted ? undefined : r.value })
        this.cursor = Math.max(this.cursor, page.until)
        more = page.more
      }
    } catch {
      // The socket went away mid catch-up: the next welcome catches up again.
    } finally {
      this.catchingUp = false
    }
    this.drain(false)
    if (this.catchUpAgain) {
      this.catchUpAgain = false
      void this.catchUp()
    }
  }
}
