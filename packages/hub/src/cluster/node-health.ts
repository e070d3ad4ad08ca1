import type { HubStore } from '@accord/core'

/** The state of the broadcast path between hub processes, for `/healthz`. */
export interface AdapterHealth {
  kind: 'memory' | 'redis'
  ok: boolean
  detail: string
}

const IN_MEMORY: AdapterHealth = { kind: 'memory', ok: true, detail: 'broadcasts stay in this process' }

/**
 * The store, with `health()` also reporting what kind it is and the adapter's state, so the hub's
 * `/healthz` answers for the whole node: `{ ok, spaces, detail, store: { kind, ok }, adapter }`.
 * `ok` needs both: a node cut from Redis would leave its replicas without live commits from the
 * other nodes, and a load balancer should send them elsewhere.
 */
export function withNodeHealth(store: HubStore, kind: 'sqlite' | 'postgres', adapter: () => AdapterHealth = () => IN_MEMORY): HubStore {
  return {
    openSpace: (space) => store.openSpace(space),
    bindReplica: (space, replica, principal) => store.bindReplica(space, replica, principal),
    watermarks: (space, writers) => store.watermarks(space, writers),
    readForDecision: (space, request) => store.readForDecision(space, request),
    commitBatch: (space, decision) => store.commitBatch(space, decision),
    pull: (space, query) => store.pull(space, query),
    purge: (space, throughSeq) => store.purge(space, throughSeq),
    close: () => store.close(),
    health: async () => {
      const own = await store.health()
      const broadcast = adapter()
      const report = { ...own, ok: own.ok && broadcast.ok, store: { kind, ok: own.ok }, adapter: broadcast }
      return report
    },
  }
}
