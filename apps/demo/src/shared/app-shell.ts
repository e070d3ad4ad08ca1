/**
 * The app shell's service worker (vite-plugin-pwa, `generateSW`, `registerType: 'prompt'`): it
 * precaches both pages, every script (the replica's worker bundle included), the styles and the
 * icons, so the app opens with no network at all. This module registers it and says where it is:
 *
 *   (none) ──register──▶ installing ──shell precached──▶ active: offlineReady
 *      active ──check finds a new build──▶ new one installed, waiting: updateReady (the banner)
 *      waiting ──update() (Reload)──▶ new one activates and controls every tab ──▶ every tab reloads
 *
 * A new build never takes over by itself: pages keep running the build they loaded, with the shell
 * that build cached, until someone presses Reload. Then every open tab of the app reloads, so no
 * page of the old build runs on next to the new one (its scripts may be gone from the cache).
 * Checks for a new build run when a page becomes visible, when the network comes back, and every
 * 30 minutes; none of them block anything, and a failed check (offline) waits for the next one.
 */
import { BehaviorSubject } from 'rxjs'
import { registerSW } from 'virtual:pwa-register'

export interface AppShellState {
  /** A service worker holds this build's shell: the app opens without a network. */
  offlineReady: boolean
  /** A newer build is installed and waits for the person to reload. */
  updateReady: boolean
  /** Why there is no service worker (none in this browser, not a secure context, registration failed). */
  unavailable?: string
}

export interface AppShell {
  readonly state$: BehaviorSubject<AppShellState>
  /** Lets the waiting build take over; every tab of the app then reloads into it. */
  update(): Promise<void>
  /** Asks the server for a newer build now (what the visibility, network and timer triggers do). */
  checkForUpdate(): Promise<void>
}

const CHECK_EVERY_MS = 30 * 60_000

export function startAppShell(): AppShell {
  const state$ = new BehaviorSubject<AppShellState>({ offlineReady: false, updateReady: false })
  const set = (patch: Partial<AppShellState>): void => state$.next({ ...state$.value, ...patch })
  const unavailable = import.meta.env.DEV
    ? 'the dev server has no service worker: build and preview to try it'
    : !('serviceWorker' in navigator)
      ? window.isSecureContext
        ? 'this browser has no service workers'
        : 'not a secure context (https or localhost)'
      : undefined
  if (unavailable !== undefined) {
    set({ unavailable })
    return { state$, update: () => Promise.resolve(location.reload()), checkForUpdate: () => Promise.resolve() }
  }
  const container = navigator.serviceWorker
  let reloading = false
  const reload = (): void => {
    if (reloading) return
    reloading = true
    location.reload()
  }
  const updateServiceWorker = registerSW({
    onNeedRefresh: () => set({ updateReady: true }),
    onOfflineReady: () => set({ offlineReady: true }),
    onNeedReload: reload,
    onRegisteredSW: (_url, registration) => {
      if (registration) watchForUpdates(registration, () => set({ updateReady: true }))
    },
    onRegisterError: (error: unknown) => set({ unavailable: `registration failed: ${error instanceof Error ? error.message : String(error)}` }),
  })
  void container.ready.then(() => set({ offlineReady: true }))

  // Another tab pressed Reload: the new build now controls this page too, whose scripts are the old
  // build's. Reload into the new one. (The first controller, claimed on a first visit, is no update.)
  let controlled = container.controller !== null
  container.addEventListener('controllerchange', () => {
    if (controlled) reload()
    controlled = true
  })

  const checkForUpdate = async (): Promise<void> => {
    const registration = await container.getRegistration()
    if (!registration || registration.installing || !navigator.onLine) return
    // Offline or the server unreachable: nothing changes; the next trigger tries again.
    await registration.update().catch(() => undefined)
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void checkForUpdate()
  })
  window.addEventListener('online', () => void checkForUpdate())
  setInterval(() => void checkForUpdate(), CHECK_EVERY_MS)
  return { state$, update: () => updateServiceWorker(true), checkForUpdate }
}

/**
 * Workbox-window reports only the first update a page sees; a page left open across two deploys
 * must hear of the second as well, so this watches the registration itself too.
 */
function watchForUpdates(registration: ServiceWorkerRegistration, ready: () => void): void {
  const waiting = (worker: ServiceWorker | null): void => {
    if (worker && worker.state === 'installed' && navigator.serviceWorker.controller) ready()
  }
  waiting(registration.waiting)
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing
    worker?.addEventListener('statechange', () => waiting(worker))
  })
}
