/**
 * K hub processes on one PostgreSQL store (a fresh schema) with the Socket.IO Redis adapter: the
 * cluster of docs/deploy.md, on loopback. Clients are spread over `urls` round-robin (there is no
 * load balancer in between: each client connects to its hub directly).
 */
import { startChild, type Child } from '../lib/child.js'
import { dropSchemas, freshSchemaName, PG_URL, REDIS_URL } from './services.js'

export interface HubCluster {
  hubs: Child[]
  urls: string[]
  schema: string
  /** application_name prefix of every hub's PostgreSQL connections (for the CPU meter). */
  applicationPrefix: string
  /** Stops every hub, then drops the schema. */
  stop(): Promise<void>
}

/** Starts `count` hubs side by side on one fresh schema; on failure nothing is left behind. */
export async function startHubCluster(count: number, label: string): Promise<HubCluster> {
  const schema = freshSchemaName(label)
  const applicationPrefix = `accord-bench-${schema}`
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, i) =>
      startChild({
        type: 'hub',
        store: { kind: 'postgres', connectionString: PG_URL, schema, applicationName: `${applicationPrefix}-hub${i + 1}` },
        redisUrl: REDIS_URL,
      }),
    ),
  )
  const hubs = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value.child] : []))
  const stop = async (): Promise<void> => {
    await Promise.allSettled(hubs.map((hub) => hub.stop()))
    await dropSchemas([schema])
  }
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failed) {
    await stop()
    throw failed.reason
  }
  const urls = started.map((s) => `http://127.0.0.1:${String((s as PromiseFulfilledResult<{ ready: Record<string, unknown> }>).value.ready.port)}`)
  return { hubs, urls, schema, applicationPrefix, stop }
}
