/**
 * `openReplica()` (DESIGN §7): connects to the app's worker (or runs in-process), attaches this
 * page, opens the replica and waits for its first status. It never waits for the hub: a refused
 * token or an unreachable hub shows in `status$`, never as a failed open.
 */
import { AccordError, type Schema } from '@accord/core'
import { BehaviorSubject } from 'rxjs'
import type { OpenRequest, PageClient, ReplicaStatus } from '../shared/worker-api.js'
import { pageLockName } from '../worker/host-api.js'
import { connectHost, type HostConnection, type WorkerHost } from './connect.js'
import { askPersistentStorage, currentPageState, forwardPageEvents, holdLock } from './page-events.js'
import { PageReplica } from './replica.js'
import { toAccordError, unwrap } from './result.js'
import type { Replica } from './types.js'

/** The hub to sync with. */
export interface HubOptions {
  /** One URL, or several tried in order. */
  url: string | string[]
  space: string
  /** The token the hub's `authenticate` checks; a function is asked on every (re)connection. */
  token: string | null | (() => string | null | Promise<string | null>)
}

export interface OpenReplicaOptions<S extends Schema> {
  /** The local database's name: one per user and space, e.g. `my-app:${userId}:team-1`. */
  name: string
  schema: S
  /**
   * Starts the app's worker entry (the file calling `serveReplica`): a `SharedWorker`, or a
   * dedicated `Worker` where SharedWorker is missing. `false` runs the runtime in this thread.
   */
  worker: (() => WorkerHost) | false
  /** An IDBFactory to use instead of the global one (in-process only: a worker uses its own). */
  indexedDB?: IDBFactory
  /** The IDBKeyRange matching `indexedDB` (fake-indexeddb's, in Node). */
  IDBKeyRange?: typeof IDBKeyRange
  /** Omit for a local-only replica. */
  hub?: HubOptions
  /** Outbox writes with IndexedDB's strict durability (default true). */
  strictDurability?: boolean
}

/** Opens (or joins, from another tab) the replica `options.name`. */
export async function openReplica<S extends Schema>(options: OpenReplicaOptions<S>): Promise<Replica<S>> {
  if (typeof options.name !== 'string' || options.name.length === 0) {
    throw new AccordError('validation_failed', 'openReplica needs a non-empty `name`')
  }
  const connection = await connectHost(options).catch((error: unknown) => Promise.reject(toAccordError(error)))
  const cleanup: Array<() => void> = []
  try {
    return await Promise.race([attachAndOpen(options, connection, cleanup), connection.failed])
  } catch (error) {
    for (const undo of cleanup.reverse()) undo()
    await Promise.race([connection.api.close(), delay(1000)]).catch(() => undefined)
    connection.dispose()
    throw toAccordError(error)
  }
}

async function attachAndOpen<S extends Schema>(options: OpenReplicaOptions<S>, connection: HostConnection, cleanup: Array<() => void>): Promise<Replica<S>> {
  const { api } = connection
  const pageId = randomPageId()
  if (!connection.inProcess) cleanup.push(await holdLock(pageLockName(pageId)))
  await api.attach({ pageId, ...currentPageState() })
  const request: OpenRequest = {
    name: options.name,
    schemaVersion: options.schema.version,
    ...(options.hub ? { hub: { url: options.hub.url, space: options.hub.space } } : {}),
    ...(options.strictDurability === undefined ? {} : { strictDurability: options.strictDurability }),
  }
  const { replicaId } = await unwrap(api.open(request, connection.proxy(tokenClient(options.hub))))
  askPersistentStorage()
  cleanup.push(forwardPageEvents(api))
  const status = await firstStatus(connection)
  return new PageReplica({
    name: options.name,
    schema: options.schema,
    replicaId,
    connection,
    status,
    teardown: () => {
      for (const undo of cleanup.reverse()) undo()
    },
  })
}

/** Subscribes to the runtime's status for the replica's lifetime; resolves with its first value. */
async function firstStatus(connection: HostConnection): Promise<BehaviorSubject<ReplicaStatus>> {
  let subject: BehaviorSubject<ReplicaStatus> | undefined
  let resolveFirst: (subject: BehaviorSubject<ReplicaStatus>) => void = () => undefined
  const first = new Promise<BehaviorSubject<ReplicaStatus>>((resolve) => (resolveFirst = resolve))
  const listener = connection.proxy((status: ReplicaStatus) => {
    if (subject) {
      if (!subject.closed && !subject.isStopped) subject.next(status)
      return
    }
    subject = new BehaviorSubject(status)
    resolveFirst(subject)
  })
  await unwrap(connection.api.watchStatus(listener))
  return first
}

function tokenClient(hub: HubOptions | undefined): PageClient {
  return {
    token: async () => {
      if (!hub) return null
      try {
        return (typeof hub.token === 'function' ? await hub.token() : hub.token) ?? null
      } catch {
        return null
      }
    },
  }
}

function randomPageId(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
