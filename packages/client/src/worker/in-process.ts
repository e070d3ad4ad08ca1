/**
 * The host for `openReplica({ worker: false })`: the runtime in the calling thread (Node, tests,
 * SSR), behind the same `HostedApi` a worker serves, without Comlink. Replicas opened in one
 * thread on the same IndexedDB factory and schema share one runtime per name, like tabs sharing a
 * SharedWorker.
 */
import { globalHostEnv } from './env.js'
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
  if (!registry) bySchema.set(options.schema, (registry = new HostRegistry(() => createHostedRuntime(options), globalHostEnv())))
  return new PageHandle(registry, { watchLiveness: false })
}
