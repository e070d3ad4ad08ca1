/**
 * A device frame's side of the lab page (src/lab): reports this replica's records and status to the
 * parent whenever they change, and applies what the parent says (fields that differ from other
 * devices, the network switch, loading sample data).
 */
import type { ReplicaStatus } from '@accord/client'
import { combineLatest } from 'rxjs'
import { isLabMessage, type FrameMessage, type LabMessage, type RecordsSnapshot } from '../shared/messages.js'
import type { AppState, Collections } from './app-state.js'

export interface LabBridgeHandlers {
  diverged(paths: string[], devices: Record<string, string>): void
  network(online: boolean): void
  seed(): void
}

export function connectLab(device: string, replicaId: string, state: AppState, handlers: LabBridgeHandlers): void {
  const parent = window.parent
  const post = (message: FrameMessage): void => parent.postMessage(message, location.origin)
  window.addEventListener('message', (event: MessageEvent) => {
    if (event.origin !== location.origin || event.source !== parent || !isLabMessage(event.data)) return
    const message = event.data as LabMessage
    switch (message.type) {
      case 'accord-demo:diverged':
        handlers.diverged(message.paths, message.devices)
        return
      case 'accord-demo:network':
        handlers.network(message.online)
        return
      case 'accord-demo:seed':
        handlers.seed()
        return
      default:
        message satisfies never
    }
  })
  post({ type: 'accord-demo:ready', device, replicaId })
  let scheduled = false
  const collections = combineLatest([state.cards$, state.invoices$, state.notes$, state.goals$, state.status$, state.conflicts$])
  collections.subscribe(() => {
    if (scheduled) return
    scheduled = true
    queueMicrotask(() => {
      scheduled = false
      const conflicts = state.conflicts$.value
      post({
        type: 'accord-demo:snapshot',
        device,
        replicaId,
        records: toSnapshot(state.collections()),
        status: state.status$.value as ReplicaStatus,
        conflicts: conflicts.length,
        openConflicts: conflicts.filter((c) => c.open).length,
      })
    })
  })
}

function toSnapshot(collections: Collections): RecordsSnapshot {
  const out: RecordsSnapshot = {}
  for (const [col, records] of Object.entries(collections) as Array<[string, Array<{ id: string }>]>) {
    out[col] = Object.fromEntries(records.map((r) => [r.id, r as unknown as Record<string, unknown>]))
  }
  return out
}
