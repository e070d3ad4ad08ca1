/**
 * How a page of the app is configured, from its URL:
 *   ?device=A        the device's label; each device is its own replica (its own local database)
 *   &hub=http://…    the hub (default: this host, port 8787, or VITE_ACCORD_HUB at build time)
 *   &space=team-1    the space to sync (default team-1)
 *   &worker=dedicated   force the dedicated-Worker fallback (default: a SharedWorker where there is one)
 *   &embedded=1      shown inside the lab page (compact chrome, reports to the parent)
 */
export type WorkerMode = 'shared' | 'dedicated'

export interface AppConfig {
  device: string
  hubUrl: string
  space: string
  worker: WorkerMode
  embedded: boolean
  /** The local database's name: one per device and space. */
  replicaName: string
}

const DEVICE = /^[A-Za-z0-9_-]{1,32}$/

export function readConfig(location: Location): AppConfig {
  const params = new URLSearchParams(location.search)
  const device = params.get('device') ?? 'this-browser'
  if (!DEVICE.test(device)) throw new Error(`?device must be 1-32 letters, digits, '-' or '_', got ${JSON.stringify(device)}`)
  const space = params.get('space') ?? 'team-1'
  const hubUrl = params.get('hub') ?? (import.meta.env['VITE_ACCORD_HUB'] as string | undefined) ?? `${location.protocol}//${location.hostname}:8787`
  const forced = params.get('worker')
  const worker: WorkerMode = forced === 'dedicated' || typeof SharedWorker === 'undefined' ? 'dedicated' : 'shared'
  return { device, hubUrl, space, worker, embedded: params.get('embedded') === '1', replicaName: `accord-demo:${space}:${device}` }
}
