/**
 * Connecting the page to a runtime host: over Comlink to the port of a SharedWorker or to a
 * dedicated Worker, or in-process (`worker: false`, loaded on demand so a worker-hosted app's page
 * bundle leaves the runtime out).
 */
import * as Comlink from 'comlink'
import type { Schema } from '@accord/core'
import type { HostedApi } from '../worker/host-api.js'

/** What `openReplica({ worker })` may return: either kind of worker. */
export type WorkerHost = SharedWorker | Worker

/** The page's end of a host. */
export interface HostConnection {
  readonly api: HostedApi
  readonly inProcess: boolean
  /** Makes a callback (or an object of them) callable from the host: a Comlink proxy, or itself in-process. */
  proxy<T extends object>(value: T): T
  /** Rejects when the worker reports an error (raced while opening; never in-process). */
  readonly failed: Promise<never>
  /** Drops the connection (after `api.close()`): closes the port or terminates the worker. */
  dispose(): void
}

/** The `openReplica` options that decide the host. */
export interface ConnectOptions {
  schema: Schema
  worker: (() => WorkerHost) | false
  indexedDB?: IDBFactory
  IDBKeyRange?: typeof IDBKeyRange
}

/** Starts the worker (or loads the in-process host) and wraps its API. */
export async function connectHost(options: ConnectOptions): Promise<HostConnection> {
  if (options.worker === false) {
    const { hostInProcess } = await import('../worker/in-process.js')
    const api = hostInProcess({
      schema: options.schema,
      ...(options.indexedDB ? { indexedDB: options.indexedDB } : {}),
      ...(options.IDBKeyRange ? { IDBKeyRange: options.IDBKeyRange } : {}),
    })
    return { api, inProcess: true, proxy: (value) => value, failed: new Promise<never>(() => undefined), dispose: () => undefined }
  }
  const host = options.worker()
  const endpoint = 'port' in host ? host.port : host
  const failed = new Promise<never>((_, reject) => {
    host.addEventListener('error', (event) => {
      const message = event instanceof ErrorEvent && event.message ? event.message : 'the worker script failed to load or threw'
      reject(new Error(message))
    })
  })
  failed.catch(() => undefined)
  if ('port' in host) host.port.start()
  const remote = Comlink.wrap<HostedApi>(endpoint)
  return {
    // Every HostedApi method returns a Promise already, so the Remote has the very same shape.
    api: remote as unknown as HostedApi,
    inProcess: false,
    proxy: (value) => Comlink.proxy(value),
    failed,
    dispose: () => {
      remote[Comlink.releaseProxy]()
      if ('port' in host) host.port.close()
      else host.terminate()
    },
  }
}
