/**
 * Opens this device's replica. The worker factory is what DESIGN §7 shows: a SharedWorker (one
 * runtime and one socket for every tab and frame of this origin) or, when forced or where
 * SharedWorker is missing, a dedicated Worker per page. Vite bundles accord.worker.ts from the
 * `new URL(…, import.meta.url)` pattern, so each literal must stay as written.
 */
import { openReplica, type Replica } from '@accord/client'
import { schema, type DemoSchema } from '../schema.js'
import type { AppConfig } from './config.js'

export function openDeviceReplica(config: AppConfig): Promise<Replica<DemoSchema>> {
  const worker =
    config.worker === 'shared'
      ? () => new SharedWorker(new URL('../accord.worker.ts', import.meta.url), { type: 'module', name: 'accord-demo' })
      : () => new Worker(new URL('../accord.worker.ts', import.meta.url), { type: 'module', name: 'accord-demo' })
  return openReplica({
    name: config.replicaName,
    schema,
    worker,
    // The demo hub lets everyone in (no authenticate hook); a real app returns the user's token.
    hub: { url: config.hubUrl, space: config.space, token: 'demo' },
  })
}
