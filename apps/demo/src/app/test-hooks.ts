/**
 * What the app exposes as `window.accordDemo`, for the e2e suite (e2e/) and for poking at it in
 * the devtools console. Tests wait on this state instead of sleeping.
 */
import type { ConflictRecord, Replica, ReplicaStatus } from '@accord/client'
import type { DemoSchema } from '../schema.js'
import type { AppState, Collections } from './app-state.js'

export interface DemoHooks {
  device: string
  replicaId: string
  workerMode: 'shared' | 'dedicated'
  db: Replica<DemoSchema>
  /** The records the UI shows now, per collection. */
  collections(): Collections
  status(): ReplicaStatus
  conflicts(): ConflictRecord[]
  addLateFee(id: string): Promise<void>
  /** The app shell (service worker) as this page sees it; the lab's frames have none of their own. */
  shell: {
    state(): { build: string; offlineReady: boolean; updateReady: boolean; unavailable?: string }
    /** What the page does on becoming visible, on `online` and every 30 minutes. */
    checkForUpdate(): Promise<void>
  }
}

export interface DemoWindow {
  accordDemo?: DemoHooks
  accordDemoError?: string
}

export function exposeHooks(hooks: Omit<DemoHooks, 'collections' | 'status' | 'conflicts'>, state: AppState): void {
  ;(window as unknown as DemoWindow).accordDemo = {
    ...hooks,
    collections: () => state.collections(),
    status: () => state.status$.value,
    conflicts: () => state.conflicts$.value,
  }
  document.documentElement.dataset['ready'] = 'true'
}
