/**
 * The host for `openReplica({ worker: false })`: the runtime in the calling thread (Node, tests,
 * SSR), behind the same `HostedApi` a worker serves, without Comlink. Replicas opened in one
 * thread on the same IndexedDB factory and schema share one runtime per name, like tabs sharing a
 * SharedWorker.
 */
import { globalHostEnv, type HostEnv } from './env.js'
import type { HostedApi } from './host-api.js'
import { HostRegistry, PageHandle } from './page-handle.js'
import { createHostedRuntime, type ServeReplicaOptions } from './hosted-runtime.js'

const registries = new WeakMap<object, WeakMap<object, HostRegistry>>()
const globalFactory = {}

/** A page handle on an in-process runtime. */
export function hostInProcess(options: ServeReplicaOptions): HostedApi {
  const factoryKey = (options.indexedDB as object | undefined) ?? globalFactory
  let bySchema = registries.get(factoryKey)
  if (!bySchema) registries.set(factoryKey, (bySchema = new WeakMap()))
  let registry = bySchema.get(options.schema)
  if (!registry) bySchema.set(options.schema, (registry = new HostRegistry(() => createHostedRuntime(options), envFor(options))))
  return new PageHandle(registry, { watchLiveness: false })
}

/**
 * A replica on an IndexedDB factory of its own (fake-indexeddb, one per simulated device) is its
 * own leader: the Web Lock and channel names are per origin, and would join it to the runtimes of
 * another database that has the same replica name.
 */
function envFor(options: ServeReplicaOptions): HostEnv {
  const env = globalHostEnv()
  if (options.indexedDB === undefined) return env
  const { locks: _locks, openChannel: _openChannel, ...isolated } = env
  return isolated
}
