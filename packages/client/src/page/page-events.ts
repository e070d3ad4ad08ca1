/**
 * Page events a worker never receives (toolchain.md: no `online`/`offline` in workers, no page
 * lifecycle), forwarded to the host: network state, visibility, and `freeze`/`pagehide` versus
 * `resume`/`pageshow` for leadership. A no-op outside a browser page.
 */
import type { HostedApi } from '../worker/host-api.js'

/** The page's state as it attaches. */
export function currentPageState(): { visible: boolean; online: boolean } {
  if (typeof document === 'undefined' || typeof navigator === 'undefined') return { visible: true, online: true }
  return { visible: document.visibilityState === 'visible', online: navigator.onLine }
}

/** Starts forwarding; returns the function that stops it. */
export function forwardPageEvents(api: HostedApi): () => void {
  if (typeof window === 'undefined' || typeof document === 'undefined') return () => undefined
  const quiet = (promise: Promise<void>): void => void promise.catch(() => undefined)
  const network = (): void => quiet(api.setNetwork(navigator.onLine))
  const visibility = (): void => quiet(api.setVisible(document.visibilityState === 'visible'))
  const frozen = (): void => quiet(api.setLifecycle('frozen'))
  const active = (): void => quiet(api.setLifecycle('active'))
  const on: Array<[EventTarget, string, () => void]> = [
    [window, 'online', network],
    [window, 'offline', network],
    [document, 'visibilitychange', visibility],
    [document, 'freeze', frozen],
    [document, 'resume', active],
    [window, 'pagehide', frozen],
    [window, 'pageshow', active],
  ]
  for (const [target, type, listener] of on) target.addEventListener(type, listener)
  return () => {
    for (const [target, type, listener] of on) target.removeEventListener(type, listener)
  }
}

/**
 * Holds the Web Lock `name` until the returned function is called: a SharedWorker learns that this
 * page is gone (closed, crashed) when its own request for the lock is granted.
 */
export async function holdLock(name: string): Promise<() => void> {
  const locks = typeof navigator === 'undefined' ? undefined : navigator.locks
  if (!locks) return () => undefined
  let release: () => void = () => undefined
  const held = new Promise<void>((resolve) => (release = resolve))
  await new Promise<void>((acquired) => {
    void locks.request(name, () => {
      acquired()
      return held
    })
  })
  return release
}

/** Asks the browser to keep this origin's storage (workers cannot ask; the runtime reads the answer). */
export function askPersistentStorage(): void {
  if (typeof navigator === 'undefined' || !navigator.storage?.persist) return
  void navigator.storage.persist().catch(() => undefined)
}
