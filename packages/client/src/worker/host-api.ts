/**
 * What a page calls on a hosted replica: the runtime's `WorkerApi` plus the few page facts a worker
 * cannot observe itself (who is attached, whether the page is alive, frozen or shown). Both sides
 * import this one interface (STYLE §7); it is the same in-process and over Comlink.
 */
import type { WorkerApi } from '../shared/worker-api.js'

/** A page's identity and state as it attaches. */
export interface PageInfo {
  /** Random per page load. The page holds the Web Lock `accord-page:<pageId>` while alive. */
  pageId: string
  visible: boolean
  online: boolean
}

/** The page's lifecycle, as far as leadership cares: a frozen or hidden-for-good page leads nothing. */
export type PageLifecycle = 'active' | 'frozen'

/** The runtime API as a page sees it through a host (SharedWorker, dedicated Worker or in-process). */
export interface HostedApi extends WorkerApi {
  /** Registers this page; call once, before `open`. */
  attach(page: PageInfo): Promise<void>
  /** The page's `freeze`/`pagehide` (`frozen`) and `resume`/`pageshow` (`active`), forwarded. */
  setLifecycle(state: PageLifecycle): Promise<void>
}

/** The name of the lock a live page holds, so a host learns when the page is gone. */
export function pageLockName(pageId: string): string {
  return `accord-page:${pageId}`
}

/** The Web Lock and BroadcastChannel name of a replica (DESIGN §5). */
export function replicaLockName(name: string): string {
  return `accord:${name}`
}
