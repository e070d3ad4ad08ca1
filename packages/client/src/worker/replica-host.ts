/**
 * One replica's runtime inside one host (a SharedWorker, a dedicated Worker or the page itself),
 * shared by the pages attached to it. It opens the runtime once, bids for the Web Lock
 * `accord:<name>` while some attached page is active, and hands the relay the runtime's events.
 *
 * Leadership (DESIGN §5): the lock holder alone holds the socket (`setLeader(true)`). A leader
 * releases the lock when all its pages froze (`freeze`/`pagehide`) and bids again on resume. A
 * follower with a visible page that has waited over 10 s steals the lock, but only from a leader
 * that has been silent for as long: stealing from a live leader would make two visible tabs take
 * the socket from each other every 10 s. A leader whose lock is stolen closes its socket first.
 */
import { AccordError } from '@accord/core'
import type { OpenRequest, PageClient, Result } from '../shared/worker-api.js'
import type { HostEnv } from './env.js'
import { replicaLockName, type PageInfo, type PageLifecycle } from './host-api.js'
import { LeaderElection } from './leader-election.js'
import { LEADER_SILENT_MS, LeaderRelay } from './leader-relay.js'
import { ReplicaChannel } from './replica-channel.js'
import type { HostableRuntime } from './runtime-port.js'

/** A follower with a visible page steals the lock from a silent leader after waiting this long. */
export const STEAL_AFTER_MS = 10_000
/** How long the runtime waits for one page's token before asking the next newest page. */
const TOKEN_TIMEOUT_MS = 10_000

/** A host's replica name, runtime and platform. */
export interface ReplicaHostOptions {
  name: string
  runtime: HostableRuntime
  env: HostEnv
  /** Called once the host closed (its last page left). */
  onClosed?: () => void
}

interface AttachedPage {
  info: PageInfo
  client: PageClient | undefined
  active: boolean
  /** Attach order: the newest page is asked for tokens first. */
  order: number
}

type Opened = Result<{ replicaId: string }>

/** One replica's runtime in one host: see the file comment. */
export class ReplicaHost {
  readonly name: string
  readonly runtime: HostableRuntime
  private readonly env: HostEnv
  private readonly pages = new Map<string, AttachedPage>()
  private readonly election: LeaderElection
  private relay: LeaderRelay | undefined
  private request: OpenRequest | undefined
  private opening: Promise<Opened> | undefined
  private timer: unknown
  private unsubscribe: Array<() => void> = []
  private order = 0
  private closing: Promise<void> | undefined

  constructor(private readonly options: ReplicaHostOptions) {
    this.name = options.name
    this.runtime = options.runtime
    this.env = options.env
    this.election = new LeaderElection(
      this.env.locks,
      replicaLockName(this.name),
      { acquired: () => this.onAcquired(), lost: (stolen) => this.onLost(stolen) },
      () => this.env.now(),
    )
  }

  get closed(): boolean {
    return this.closing !== undefined
  }

  get isLeader(): boolean {
    return this.election.state === 'leader'
  }

  /** Attaches a page (again, on a later `open`, with its token client). */
  attach(info: PageInfo, client?: PageClient): void {
    const page = this.pages.get(info.pageId)
    if (page) {
      if (client) page.client = client
      return
    }
    this.pages.set(info.pageId, { info: { ...info }, client, active: true, order: ++this.order })
  }

  /** Opens the runtime on the first call; later calls must agree on schema version and hub. */
  open(pageId: string, request: OpenRequest): Promise<Opened> {
    if (this.closing) return Promise.resolve(failure('closed', 'the replica is closing'))
    if (this.opening && this.request) {
      const mismatch = compareRequests(this.request, request)
      if (mismatch) return Promise.resolve({ ok: false, error: mismatch.toWire() })
      return this.opening
    }
    this.request = request
    this.opening = this.start(pageId, request)
    return this.opening
  }

  /** Detaches a page; the host closes with its last page. */
  async detach(pageId: string): Promise<void> {
    if (!this.pages.delete(pageId)) return
    if (this.pages.size === 0) return this.close()
    this.syncVisibility()
    this.syncLifecycle()
  }

  setVisible(pageId: string, visible: boolean): void {
    const page = this.pages.get(pageId)
    if (!page) return
    page.info.visible = visible
    this.syncVisibility()
  }

  setNetwork(pageId: string, online: boolean): void {
    const page = this.pages.get(pageId)
    if (page) page.info.online = online
    if (this.relay && !this.closing) void this.runtime.setNetwork(online)
  }

  setLifecycle(pageId: string, state: PageLifecycle): void {
    const page = this.pages.get(pageId)
    if (!page) return
    page.active = state === 'active'
    this.syncLifecycle()
  }

  pause(): Promise<Result<void>> {
    return this.relay ? this.relay.setPaused(true) : this.runtime.pause()
  }

  resume(): Promise<Result<void>> {
    return this.relay ? this.relay.setPaused(false) : this.runtime.resume()
  }

  flush(): Promise<Result<void>> {
    return this.relay ? this.relay.flush() : this.runtime.flush()
  }

  /** Gives up leadership, stops talking to the other runtimes and closes the runtime. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer !== undefined) this.env.clearInterval(this.timer)
      this.election.release()
      for (const off of this.unsubscribe) off()
      this.relay?.close()
      await this.opening?.catch(() => undefined)
      await this.runtime.close()
      this.options.onClosed?.()
    })()
    return this.closing
  }

  private async start(pageId: string, request: OpenRequest): Promise<Opened> {
    const opened = await this.runtime.open(request, { token: () => this.token() })
    if (!opened.ok) {
      this.opening = undefined
      this.request = undefined
      return opened
    }
    const channel = this.env.openChannel
      ? new ReplicaChannel(this.env.openChannel(replicaLockName(this.name)), this.env.randomId(), (m) => this.relay?.onMessage(m))
      : undefined
    const relay = new LeaderRelay(channel, this.runtime, this.env, () => this.isLeader)
    this.relay = relay
    this.unsubscribe.push(
      this.runtime.onStatus((status) => relay.onStatus(status)),
      this.runtime.onLocalWrite(() => relay.onLocalWrite()),
    )
    relay.start()
    const page = this.pages.get(pageId)
    if (page) void this.runtime.setNetwork(page.info.online)
    this.syncVisibility()
    this.timer = this.env.setInterval(() => this.tick(), 1000)
    this.syncLifecycle()
    return opened
  }

  private tick(): void {
    this.relay?.tick()
    if (
      this.election.state === 'waiting' &&
      this.anyVisible() &&
      this.election.waitedMs() > STEAL_AFTER_MS &&
      !this.relay?.leaderAlive()
    ) {
      this.election.steal()
    }
  }

  private onAcquired(): void {
    if (this.closing) return
    void Promise.resolve(this.runtime.setLeader(true)).then(() => this.relay?.becameLeader())
  }

  private onLost(stolen: boolean): void {
    // The socket closes before anything else: another runtime may hold the lock already.
    void this.runtime.setLeader(false)
    this.relay?.lostLeadership()
    if (stolen && !this.closing && this.anyActive()) this.election.bid()
  }

  private syncLifecycle(): void {
    if (!this.relay || this.closing) return
    if (this.anyActive()) this.election.bid()
    else this.election.release()
  }

  private syncVisibility(): void {
    if (this.relay && !this.closing) void this.runtime.setVisible(this.anyVisible())
  }

  private anyVisible(): boolean {
    for (const page of this.pages.values()) if (page.info.visible && page.active) return true
    return false
  }

  private anyActive(): boolean {
    for (const page of this.pages.values()) if (page.active) return true
    return false
  }

  /** Asks the newest page with a token callback; a page that does not answer in time is skipped. */
  private async token(): Promise<string | null> {
    const pages = [...this.pages.values()].filter((p) => p.client).sort((a, b) => b.order - a.order)
    for (const page of pages) {
      const token = await this.withTimeout((page.client as PageClient).token(), TOKEN_TIMEOUT_MS)
      if (token !== undefined) return token
    }
    return null
  }

  private withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    return new Promise((resolve) => {
      const timer = this.env.setTimeout(() => resolve(undefined), ms)
      promise.then(
        (value) => {
          this.env.clearTimeout(timer)
          resolve(value)
        },
        () => {
          this.env.clearTimeout(timer)
          resolve(undefined)
        },
      )
    })
  }
}

function failure(code: string, message: string): Opened {
  return { ok: false, error: new AccordError(code, message).toWire() }
}

/** Another page opening the same replica with another schema version or hub is refused. */
function compareRequests(current: OpenRequest, next: OpenRequest): AccordError | undefined {
  if (current.schemaVersion !== next.schemaVersion) {
    return new AccordError('schema_changed', `replica "${current.name}" is open with schema version ${current.schemaVersion}, not ${next.schemaVersion}`)
  }
  const hubOf = (r: OpenRequest) => (r.hub ? JSON.stringify([[r.hub.url].flat(), r.hub.space]) : '')
  if (next.hub && current.hub && hubOf(current) !== hubOf(next)) {
    return new AccordError('space_mismatch', `replica "${current.name}" is open for another hub or space`)
  }
  return undefined
}
