/**
 * K hub processes on one PostgreSQL store (a fresh schema) with the Socket.IO Redis adapter: the
 * cluster of docs/deploy.md, on loopback. Clients are spread over `urls` round-robin (there is no
 * load balancer in between: each client connects to its hub directly).
 */
import { startChild, type Child } from '../lib/child.js'
import { openCpuMeter, type CpuMeter } from './cpu-meter.js'
import { dropSchemas, freshSchemaName, PG_URL, REDIS_URL } from './services.js'

export interface HubCluster {
  hubs: Child[]
  urls: string[]
  schema: string
  /** application_name prefix of every hub's PostgreSQL connections (how the meter finds their backends). */
  applicationPrefix: string
  /** CPU of this cluster's hubs and PostgreSQL backends, this process, Redis and the machine. */
  meter: CpuMeter
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
  let meter: CpuMeter | undefined
  const stop = async (): Promise<void> => {
    await meter?.close()
    await Promise.allSettled(hubs.map((hub) => hub.stop()))
    await dropSchemas([schema])
  }
  try {
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed) throw failed.reason
    meter = await openCpuMeter({ hubs, pgApplicationPrefix: applicationPrefix, redis: true })
  } catch (error) {
    await stop()
    throw error
  }
  const urls = started.map((s) => `http://127.0.0.1:${String((s as PromiseFulfilledResult<{ ready: Record<string, unknown> }>).value.ready.port)}`)
  return { hubs, urls, schema, applicationPrefix, meter, stop }
}

/**
 * Several clusters at once (e.g. of 1, 2 and 3 hubs), so a figure can alternate between them in
 * short turns: an idle hub costs no CPU, and drifting load on a shared machine then hits each alike.
 */
export async function startHubClusters(counts: readonly number[], label: string): Promise<HubCluster[]> {
  const started = await Promise.allSettled(counts.map((count) => startHubCluster(count, `${label}k${count}`)))
  const clusters = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []))
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failed) {
    await Promise.allSettled(clusters.map((cluster) => cluster.stop()))
    throw failed.reason
  }
  return clusters
}
