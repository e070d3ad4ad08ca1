import { randomBytes } from 'node:crypto'
import { spawnHubCli, type HubProcess } from '../../helpers/hub-process.js'
import { PG_URL, REDIS_URL, dropSchema, freshSchemaName } from '../../helpers/postgres.js'

/** Hub processes (the CLI, each a child process) sharing one PostgreSQL schema and, optionally, Redis. */
export interface Cluster {
  nodes: HubProcess[]
  /** The PostgreSQL schema of this cluster: fresh, dropped by `stop`. */
  schema: string
  /** Starts one more node on the same store (and Redis channels). */
  spawn(): Promise<HubProcess>
  /** SIGTERMs the nodes still running, waits for them, drops the schema. */
  stop(): Promise<void>
}

export interface ClusterOptions {
  /** Broadcast between the processes through Redis. */
  redis: boolean
  /** The Redis URL of node `i`, when it is not the machine's (e.g. through a slow link). */
  redisUrlOf?: (index: number) => string | undefined
}

/** Starts `count` hub processes together (they migrate the fresh schema once, under a lock). */
export async function startCluster(count: number, options: ClusterOptions): Promise<Cluster> {
  const schema = freshSchemaName()
  // Channels of their own: test files run in parallel on one Redis.
  const redisKey = `accord-test-${randomBytes(4).toString('hex')}`
  const argsOf = (index: number): string[] => [
    ...['--store', 'postgres', '--pg', PG_URL, '--pg-schema', schema],
    ...(options.redis ? ['--redis', options.redisUrlOf?.(index) ?? REDIS_URL, '--redis-key', redisKey] : []),
  ]
  const nodes: HubProcess[] = []
  const spawn = async (index = nodes.length): Promise<HubProcess> => {
    const node = await spawnHubCli(argsOf(index))
    nodes[index] = node
    return node
  }
  const started = await Promise.allSettled(Array.from({ length: count }, (_, i) => spawn(i)))
  const cluster: Cluster = {
    nodes,
    schema,
    spawn: () => spawn(),
    async stop() {
      await Promise.all(nodes.filter(Boolean).map(async (node) => {
        if (node.child.exitCode === null && node.child.signalCode === null) node.child.kill('SIGTERM')
        await node.exited
      }))
      await dropSchema(schema)
    },
  }
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failed) {
    await cluster.stop()
    throw failed.reason
  }
  return cluster
}
