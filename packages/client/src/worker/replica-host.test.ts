import type { ConflictRecord, RecordValue } from '@accord/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { OpenRequest, ReplicaStatus, Result } from '../shared/worker-api.js'
import { globalHostEnv, type ChannelLike, type HostEnv, type LockManagerLike } from './env.js'
import { ReplicaHost } from './replica-host.js'
import type { HostableRuntime } from './runtime-port.js'

const ok = <T>(value: T): Result<T> => ({ ok: true, value })

/** Web Locks with the semantics leader election relies on: a FIFO queue, abort, steal. */
class FakeLocks implements LockManagerLike {
  private readonly held = new Map<string, { reject: (error: unknown) => void }>()
  private readonly queue = new Map<string, Array<() => void>>()

  request(name: string, options: { steal?: boolean; signal?: AbortSignal }, callback: (lock: unknown) => Promise<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        const entry = { reject }
        this.held.set(name, entry)
        void callback({ name }).then((value) => {
          if (this.held.get(name) === entry) {
            this.held.delete(name)
            this.next(name)
          }
          resolve(value)
        })
      }
      if (options.steal) {
        this.held.get(name)?.reject(Object.assign(new Error('stolen'), { name: 'AbortError' }))
        this.held.delete(name)
        grant()
        return
      }
      const waiters = this.queue.get(name) ?? []
      this.queue.set(name, waiters)
      waiters.push(grant)
      options.signal?.addEventListener('abort', () => {
        const i = waiters.indexOf(grant)
        if (i >= 0) waiters.splice(i, 1)
        reject(Object.assign(new Error('aborted'), { name: 'AbortError' }))
      })
      this.next(name)
    })
  }

  private next(name: string): void {
    if (this.held.has(name)) return
    this.queue.get(name)?.shift()?.()
  }
}

/** BroadcastChannel between hosts; a muted host neither sends nor receives (a frozen worker). */
class FakeChannels {
  private readonly members: Array<{ name: string; listener?: (event: { data: unknown }) => void; owner: string }> = []
  readonly muted = new Set<string>()

  open(owner: string, name: string): ChannelLike {
    const member: { name: string; listener?: (event: { data: unknown }) => void; owner: string } = { name, owner }
    this.members.push(member)
    return {
      postMessage: (data) => {
        if (this.muted.has(owner)) return
        for (const other of this.members) {
          if (other !== member && other.name === name && !this.muted.has(other.owner)) {
            const copy = structuredClone(data)
            queueMicrotask(() => other.listener?.({ data: copy }))
          }
        }
      },
      addEventListener: (_type, listener) => (member.listener = listener),
      close: () => this.members.splice(this.members.indexOf(member), 1),
    }
  }
}

class FakeRuntime implements HostableRuntime {
  leader = false
  paused = false
  kicks = 0
  remote: ReplicaStatus | undefined
  readonly leaderCalls: boolean[] = []
  readonly flushes: Array<(result: Result<void>) => void> = []
  private readonly statusListeners = new Set<(s: ReplicaStatus) => void>()
  private readonly writeListeners = new Set<() => void>()
  status: ReplicaStatus = { connection: 'offline', pending: 0, cursor: 0, lastSyncedAt: null, paused: false }

  async open(_request: OpenRequest): Promise<Result<{ replicaId: string }>> {
    return ok({ replicaId: 'r1' })
  }
  setLeader(leader: boolean): void {
    this.leader = leader
    this.leaderCalls.push(leader)
  }
  onLocalWrite(listener: () => void): () => void {
    this.writeListeners.add(listener)
    return () => this.writeListeners.delete(listener)
  }
  kick(): void {
    this.kicks++
  }
  onStatus(listener: (s: ReplicaStatus) => void): () => void {
    this.statusListeners.add(listener)
    listener(this.status)
    return () => this.statusListeners.delete(listener)
  }
  applyRemoteStatus(status: ReplicaStatus): void {
    this.remote = status
  }
  emitStatus(patch: Partial<ReplicaStatus>): void {
    this.status = { ...this.status, ...patch }
    for (const l of this.statusListeners) l(this.status)
  }
  wrote(): void {
    for (const l of this.writeListeners) l()
  }
  async write(): Promise<Result<void>> {
    return ok(undefined)
  }
  async get(): Promise<Result<RecordValue | undefined>> {
    return ok(undefined)
  }
  async find(): Promise<Result<RecordValue[]>> {
    return ok([])
  }
  async watch(): Promise<Result<number>> {
    return ok(1)
  }
  async watchStatus(): Promise<Result<number>> {
    return ok(2)
  }
  async watchConflicts(): Promise<Result<number>> {
    return ok(3)
  }
  async unwatch(): Promise<void> {}
  async conflicts(): Promise<Result<ConflictRecord[]>> {
    return ok([])
  }
  async dismissConflict(): Promise<Result<void>> {
    return ok(undefined)
  }
  async pause(): Promise<Result<void>> {
    this.paused = true
    return ok(undefined)
  }
  async resume(): Promise<Result<void>> {
    this.paused = false
    return ok(undefined)
  }
  flush(): Promise<Result<void>> {
    return new Promise((resolve) => this.flushes.push(resolve))
  }
  async setNetwork(): Promise<void> {}
  async setVisible(): Promise<void> {}
  async close(): Promise<void> {}
}

let locks: FakeLocks
let channels: FakeChannels

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
  locks = new FakeLocks()
  channels = new FakeChannels()
})

afterEach(() => {
  vi.useRealTimers()
})

async function host(id: string, visible = true): Promise<{ host: ReplicaHost; runtime: FakeRuntime }> {
  const runtime = new FakeRuntime()
  const env: HostEnv = { ...globalHostEnv(), locks, openChannel: (name) => channels.open(id, name) }
  const replicaHost = new ReplicaHost({ name: 'db', runtime, env })
  replicaHost.attach({ pageId: `page-${id}`, visible, online: true }, { token: async () => 'secret' })
  const opened = await replicaHost.open(`page-${id}`, { name: 'db', schemaVersion: 1 })
  expect(opened.ok).toBe(true)
  await vi.advanceTimersByTimeAsync(10)
  return { host: replicaHost, runtime }
}

describe('ReplicaHost leadership', () => {
  it('elects one leader; a follower shows its status and its writes make the leader push', async () => {
    const a = await host('a')
    const b = await host('b')
    expect([a.runtime.leader, b.runtime.leader]).toEqual([true, false])
    a.runtime.emitStatus({ connection: 'online', cursor: 7 })
    await vi.advanceTimersByTimeAsync(10)
    expect(b.runtime.remote).toMatchObject({ connection: 'online', cursor: 7 })
    b.runtime.wrote()
    await vi.advanceTimersByTimeAsync(10)
    expect(a.runtime.kicks).toBe(1)
  })

  it('a leader whose pages all froze releases the lock; back to active it bids again and waits', async () => {
    const a = await host('a')
    const b = await host('b')
    a.host.setLifecycle('page-a', 'frozen')
    await vi.advanceTimersByTimeAsync(10)
    expect(a.runtime.leaderCalls).toEqual([true, false])
    expect(b.runtime.leader).toBe(true)
    a.host.setLifecycle('page-a', 'active')
    await vi.advanceTimersByTimeAsync(30_000)
    expect([a.runtime.leader, b.runtime.leader]).toEqual([false, true])
  })

  it('never steals from a live leader; steals from a silent one once a visible follower waited 10 s', async () => {
    const a = await host('a')
    const b = await host('b')
    await vi.advanceTimersByTimeAsync(60_000)
    expect([a.runtime.leader, b.runtime.leader]).toEqual([true, false])
    channels.muted.add('a') // a frozen leader: alive to the lock manager, silent to everyone
    // Its last heartbeat was at most 2 s before it went silent.
    await vi.advanceTimersByTimeAsync(7_500)
    expect(b.runtime.leader).toBe(false)
    await vi.advanceTimersByTimeAsync(3_500)
    expect(b.runtime.leader).toBe(true)
    // The robbed leader closed its socket and queues again.
    expect(a.runtime.leaderCalls).toEqual([true, false])
  })

  it('a hidden follower does not steal', async () => {
    const a = await host('a')
    const b = await host('b', false)
    channels.muted.add('a')
    await vi.advanceTimersByTimeAsync(60_000)
    expect([a.runtime.leader, b.runtime.leader]).toEqual([true, false])
  })

  it('pause from a follower pauses every runtime and resolves once the leader acknowledged', async () => {
    const a = await host('a')
    const b = await host('b')
    const paused = b.host.pause()
    await vi.advanceTimersByTimeAsync(10)
    expect(await paused).toEqual({ ok: true, value: undefined })
    expect([a.runtime.paused, b.runtime.paused]).toEqual([true, true])
    // A newcomer learns the pause state from the leader.
    const c = await host('c')
    await vi.advanceTimersByTimeAsync(10)
    expect(c.runtime.paused).toBe(true)
    await b.host.resume()
    expect([a.runtime.paused, b.runtime.paused, c.runtime.paused]).toEqual([false, false, false])
  })

  it("a follower's flush runs on the leader and moves to the next leader on a handover", async () => {
    const a = await host('a')
    const b = await host('b')
    const c = await host('c')
    let done: Result<void> | undefined
    void c.host.flush().then((r) => (done = r))
    await vi.advanceTimersByTimeAsync(10)
    expect(a.runtime.flushes).toHaveLength(1)
    await a.host.close()
    await vi.advanceTimersByTimeAsync(3_000)
    expect(b.runtime.leader).toBe(true)
    expect(b.runtime.flushes).toHaveLength(1)
    expect(done).toBeUndefined()
    b.runtime.flushes[0]?.({ ok: true, value: undefined })
    await vi.advanceTimersByTimeAsync(10)
    expect(done).toEqual({ ok: true, value: undefined })
  })
})
