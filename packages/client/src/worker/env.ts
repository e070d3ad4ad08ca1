/**
 * The few platform APIs leader election needs, typed structurally so this code compiles under the
 * DOM, WebWorker and Node libs alike and can be handed fakes in tests. Inject them rather than
 * reading globals where a test needs control.
 */

/** The part of `navigator.locks` (Web Locks API) used here. */
export interface LockManagerLike {
  request(
    name: string,
    options: { mode?: 'exclusive' | 'shared'; ifAvailable?: boolean; steal?: boolean; signal?: AbortSignal },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>
}

/** The part of `BroadcastChannel` used here. */
export interface ChannelLike {
  postMessage(message: unknown): void
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void
  close(): void
}

/** The platform a host runs on; `globalHostEnv()` gives the real one. */
export interface HostEnv {
  /** `navigator.locks`; without it the host is the leader (one runtime per process: Node, tests). */
  locks?: LockManagerLike
  /** Opens the replica's BroadcastChannel; without it there is nobody to talk to. */
  openChannel?: (name: string) => ChannelLike
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  setInterval(fn: () => void, ms: number): unknown
  clearInterval(handle: unknown): void
  randomId(): string
}

interface GlobalsLike {
  navigator?: { locks?: LockManagerLike }
  BroadcastChannel?: new (name: string) => ChannelLike
  crypto?: { randomUUID?: () => string }
}

/** The environment of the current global scope (page, worker or Node). */
export function globalHostEnv(): HostEnv {
  const g = globalThis as GlobalsLike
  const locks = g.navigator?.locks
  const Channel = g.BroadcastChannel
  return {
    // Without Web Locks (Node) every runtime leads alone: there is nobody to relay to, and Node's
    // global BroadcastChannel would join unrelated in-process replicas that share a name.
    ...(locks ? { locks } : {}),
    ...(locks && Channel ? { openChannel: (name: string) => new Channel(name) } : {}),
    now: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    setInterval: (fn, ms) => setInterval(fn, ms),
    clearInterval: (handle) => clearInterval(handle as ReturnType<typeof setInterval>),
    randomId: () => g.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`,
  }
}
