/**
 * One page's handle on the replicas of a host: the object `Comlink.expose` serves on each port (or
 * the page calls directly in-process). It remembers the page's subscriptions so that `unwatch`, a
 * `close` or the page's death (its liveness lock freed) releases their Comlink proxies.
 */
import { AccordError, type ConflictRecord, type RecordValue } from '@accord/core'
import type { LocalOp } from '@accord/core/internal'
import type {
  FindQuery,
  OpenRequest,
  PageClient,
  ReplicaStatus,
  Result,
  WatchTarget,
} from '../shared/worker-api.js'
import type { HostEnv } from './env.js'
import { pageLockName, type HostedApi, type PageInfo, type PageLifecycle } from './host-api.js'
import { ReplicaHost } from './replica-host.js'
import type { HostableRuntime } from './runtime-port.js'

/** The hosts of one worker (or page), one per replica name. */
export class HostRegistry {
  private readonly hosts = new Map<string, ReplicaHost>()

  constructor(
    private readonly createRuntime: (name: string) => HostableRuntime,
    readonly env: HostEnv,
  ) {}

  /** The live host of `name`, created (with its runtime) on first use. */
  hostFor(name: string): ReplicaHost {
    const existing = this.hosts.get(name)
    if (existing && !existing.closed) return existing
    const host: ReplicaHost = new ReplicaHost({
      name,
      runtime: this.createRuntime(name),
      env: this.env,
      onClosed: () => {
        if (this.hosts.get(name) === host) this.hosts.delete(name)
      },
    })
    this.hosts.set(name, host)
    return host
  }
}

/** How a handle treats the page's callbacks and liveness. */
export interface PageHandleOptions {
  /** Releases a callback that arrived over the wire (`Comlink.releaseProxy`); omit in-process. */
  releaseCallback?: (callback: unknown) => void
  /** Detach the page when its liveness lock frees (not in-process, where the page is this context). */
  watchLiveness: boolean
}

type Listener<T> = (value: T) => void

/** The `HostedApi` one page calls: see the file comment. */
export class PageHandle implements HostedApi {
  private info: PageInfo | undefined
  private host: ReplicaHost | undefined
  private readonly watches = new Map<number, unknown>()
  private closed = false

  constructor(
    private readonly registry: HostRegistry,
    private readonly options: PageHandleOptions,
  ) {}

  async attach(info: PageInfo): Promise<void> {
    this.info = { ...info }
    const locks = this.registry.env.locks
    if (this.options.watchLiveness && locks) {
      // Granted only once the page let go of its lock: it closed, crashed or navigated away.
      void locks.request(pageLockName(info.pageId), {}, async () => void this.close()).catch(() => undefined)
    }
  }

  async open(request: OpenRequest, client: PageClient): Promise<Result<{ replicaId: string }>> {
    if (!this.info || this.closed) return notOpen()
    if (this.host) return { ok: false, error: new AccordError('malformed', 'this page already opened a replica on this handle').toWire() }
    const host = this.registry.hostFor(request.name)
    host.attach(this.info, client)
    const opened = await host.open(this.info.pageId, request)
    if (opened.ok) this.host = host
    else await host.detach(this.info.pageId)
    return opened
  }

  write(ops: LocalOp[]): Promise<Result<void>> {
    return this.host && !this.closed ? this.host.runtime.write(ops) : notOpen()
  }

  get(col: string, key: string): Promise<Result<RecordValue | undefined>> {
    return this.host && !this.closed ? this.host.runtime.get(col, key) : notOpen()
  }

  find(col: string, query: FindQuery): Promise<Result<RecordValue[]>> {
    return this.host && !this.closed ? this.host.runtime.find(col, query) : notOpen()
  }

  watch(target: WatchTarget, listener: Listener<RecordValue | RecordValue[] | undefined>): Promise<Result<number>> {
    return this.track(listener, (safe) => (this.host as ReplicaHost).runtime.watch(target, safe))
  }

  watchStatus(listener: Listener<ReplicaStatus>): Promise<Result<number>> {
    return this.track(listener, (safe) => (this.host as ReplicaHost).runtime.watchStatus(safe))
  }

  watchConflicts(listener: Listener<ConflictRecord[]>): Promise<Result<number>> {
    return this.track(listener, (safe) => (this.host as ReplicaHost).runtime.watchConflicts(safe))
  }

  async unwatch(id: number): Promise<void> {
    const listener = this.watches.get(id)
    if (listener === undefined) return
    this.watches.delete(id)
    await this.host?.runtime.unwatch(id)
    this.release(listener)
  }

  conflicts(): Promise<Result<ConflictRecord[]>> {
    return this.host && !this.closed ? this.host.runtime.conflicts() : notOpen()
  }

  dismissConflict(id: number): Promise<Result<void>> {
    return this.host && !this.closed ? this.host.runtime.dismissConflict(id) : notOpen()
  }

  pause(): Promise<Result<void>> {
    return this.host && !this.closed ? this.host.pause() : notOpen()
  }

  resume(): Promise<Result<void>> {
    return this.host && !this.closed ? this.host.resume() : notOpen()
  }

  flush(): Promise<Result<void>> {
    return this.host && !this.closed ? this.host.flush() : notOpen()
  }

  async setNetwork(online: boolean): Promise<void> {
    if (this.info) this.info.online = online
    if (this.info && this.host) this.host.setNetwork(this.info.pageId, online)
  }

  async setVisible(visible: boolean): Promise<void> {
    if (this.info) this.info.visible = visible
    if (this.info && this.host) this.host.setVisible(this.info.pageId, visible)
  }

  async setLifecycle(state: PageLifecycle): Promise<void> {
    if (this.info && this.host) this.host.setLifecycle(this.info.pageId, state)
  }

  /** Ends this page's subscriptions and detaches it; the replica closes with its last page. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    const host = this.host
    for (const [id, listener] of [...this.watches]) {
      this.watches.delete(id)
      await host?.runtime.unwatch(id).catch(() => undefined)
      this.release(listener)
    }
    if (host && this.info) await host.detach(this.info.pageId)
  }

  private async track<T>(listener: Listener<T>, watch: (safe: Listener<T>) => Promise<Result<number>>): Promise<Result<number>> {
    if (!this.host || this.closed) {
      this.release(listener)
      return notOpen()
    }
    const result = await watch(guard(listener))
    if (result.ok && !this.closed) this.watches.set(result.value, listener)
    else {
      if (result.ok) await this.host.runtime.unwatch(result.value)
      this.release(listener)
    }
    return result
  }

  private release(listener: unknown): void {
    try {
      this.options.releaseCallback?.(listener)
    } catch {
      // Already released.
    }
  }
}

/** A listener call that can never throw into the runtime: the page may be gone or released it. */
function guard<T>(listener: Listener<T>): Listener<T> {
  return (value: T) => {
    try {
      const returned: unknown = listener(value)
      if (returned instanceof Promise) returned.catch(() => undefined)
    } catch {
      // The page went away; its subscriptions end when its liveness lock frees.
    }
  }
}

function notOpen<T>(): Promise<Result<T>> {
  return Promise.resolve({ ok: false, error: new AccordError('closed', 'the replica is not open (or closed)').toWire() })
}
