/**
 * `serveReplica({ schema })`: the body of the app's own worker entry (DESIGN §7). In a SharedWorker
 * every connecting page gets its own handle on the port it connected with; in a dedicated Worker the
 * one page talks to `self`. Either way one runtime serves each replica name in this worker, and the
 * Web Lock `accord:<name>` elects one leader among all runtimes of the replica.
 */
import * as Comlink from 'comlink'
import { globalHostEnv } from './env.js'
import { createHostedRuntime, type ServeReplicaOptions } from './hosted-runtime.js'
import { HostRegistry, PageHandle } from './page-handle.js'

export type { ServeReplicaOptions }

/** Releases the page-side function behind a Comlink proxy that crossed into this worker. */
function releaseCallback(callback: unknown): void {
  const remote = callback as { [Comlink.releaseProxy]?: () => void }
  remote[Comlink.releaseProxy]?.()
}

/**
 * Serves replicas to the pages that start this worker. Call it once, at the top level of the worker
 * entry (before any `await`, so no `connect` event is missed).
 */
export function serveReplica(options: ServeReplicaOptions): void {
  const registry = new HostRegistry(() => createHostedRuntime(options), globalHostEnv())
  const scope: WorkerGlobalScope = self
  if (typeof SharedWorkerGlobalScope !== 'undefined' && scope instanceof SharedWorkerGlobalScope) {
    scope.addEventListener('connect', (event: MessageEvent) => {
      for (const port of event.ports) {
        Comlink.expose(new PageHandle(registry, { releaseCallback, watchLiveness: true }), port)
      }
    })
    return
  }
  // A dedicated worker lives and dies with its page: no liveness lock to watch.
  Comlink.expose(new PageHandle(registry, { releaseCallback, watchLiveness: false }), scope as DedicatedWorkerGlobalScope)
}
