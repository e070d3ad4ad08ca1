/**
 * CPU time of every process a multi-hub figure involves, over one measured window, as "cores
 * busy" (CPU ms ÷ wall ms: 1.0 is one core fully used). On a 2-core machine these shares are what
 * explains a figure: the hubs, the bench process driving the clients, PostgreSQL and Redis all
 * compete for the same two cores.
 *
 *   hub1…hubK   each hub child's `process.cpuUsage()` (its `cpu` request)
 *   client      this process (every Node client of the figure)
 *   postgres    /proc/<pid>/stat of the hubs' PostgreSQL backends (found by application_name in
 *               pg_stat_activity) plus the WAL writer, checkpointer and background writer
 *   redis       the Redis server's own counters (INFO cpu): the whole server
 *   machine     /proc/stat: every core's busy time, other sessions on the machine included
 *   others      machine minus all of the above: what the figure's processes did not use
 *
 * Linux only for postgres and machine (they are left out elsewhere). A backend that exits inside
 * the window takes its CPU time with it: the bench hubs keep their pool connections open for that.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import pg from 'pg'
import { createClient } from 'redis'
import type { Child } from '../lib/child.js'
import { PG_URL, REDIS_URL } from './services.js'

/** Cores busy per process over the window, in a stable order: hub1…hubK, client, postgres, redis, machine, others. */
export interface CpuReading {
  wallMs: number
  cores: Record<string, number>
}

export interface CpuSources {
  hubs: readonly Child[]
  /** PostgreSQL backends whose application_name starts with this are counted as `postgres`. */
  pgApplicationPrefix?: string
  redis?: boolean
}

interface Snapshot {
  at: number
  hubs: number[]
  client: number
  postgres: Map<number, number> | undefined
  redis: number | undefined
  machine: number | undefined
}

const AUX_BACKENDS = ['walwriter', 'checkpointer', 'background writer']

export interface CpuMeter {
  /** Starts a window now; its `stop()` ends it and returns the shares. Windows may follow one another. */
  start(): Promise<{ stop: () => Promise<CpuReading> }>
  close(): Promise<void>
}

/** Opens the meter's own PostgreSQL and Redis connections (kept for every window until `close`). */
export async function openCpuMeter(sources: CpuSources): Promise<CpuMeter> {
  const probes = await openProbes(sources)
  return {
    async start() {
      const first = await snapshot(sources, probes)
      return { stop: async () => difference(first, await snapshot(sources, probes)) }
    },
    close: () => probes.close(),
  }
}

interface Probes {
  pg: pg.Client | undefined
  redis: ReturnType<typeof createClient> | undefined
  close(): Promise<void>
}

async function openProbes(sources: CpuSources): Promise<Probes> {
  let pgClient: pg.Client | undefined
  let redis: ReturnType<typeof createClient> | undefined
  const close = async (): Promise<void> => {
    await pgClient?.end().catch(() => undefined)
    if (redis?.isOpen) await redis.quit().catch(() => undefined)
  }
  try {
    if (sources.pgApplicationPrefix !== undefined && procAvailable()) {
      pgClient = new pg.Client({ connectionString: PG_URL, application_name: 'accord-bench-cpu-meter' })
      pgClient.on('error', () => undefined)
      await pgClient.connect()
    }
    if (sources.redis) {
      redis = createClient({ url: REDIS_URL, socket: { reconnectStrategy: false } })
      redis.on('error', () => undefined)
      await redis.connect()
    }
  } catch (error) {
    await close()
    throw error
  }
  return {
    pg: pgClient,
    redis,
    close,
  }
}

async function snapshot(sources: CpuSources, probes: Probes): Promise<Snapshot> {
  const [hubs, postgres, redis] = await Promise.all([
    Promise.all(sources.hubs.map(async (hub) => cpuUsageMs(await hub.request<NodeJS.CpuUsage>({ type: 'cpu' })))),
    probes.pg ? postgresCpu(probes.pg, sources.pgApplicationPrefix ?? '') : undefined,
    probes.redis ? redisCpuMs(probes.redis) : undefined,
  ])
  return { at: performance.now(), hubs, client: cpuUsageMs(process.cpuUsage()), postgres, redis, machine: machineBusyMs() }
}

function difference(a: Snapshot, b: Snapshot): CpuReading {
  const wallMs = b.at - a.at
  const cores: Record<string, number> = {}
  b.hubs.forEach((ms, i) => (cores[`hub${i + 1}`] = (ms - (a.hubs[i] ?? 0)) / wallMs))
  cores.client = (b.client - a.client) / wallMs
  if (a.postgres && b.postgres) {
    // A backend born inside the window counts from zero; one that exited inside it is lost.
    let ms = 0
    for (const [pid, end] of b.postgres) ms += end - (a.postgres.get(pid) ?? 0)
    cores.postgres = ms / wallMs
  }
  if (a.redis !== undefined && b.redis !== undefined) cores.redis = (b.redis - a.redis) / wallMs
  if (a.machine !== undefined && b.machine !== undefined) {
    const ours = Object.values(cores).reduce((sum, c) => sum + c, 0)
    cores.machine = (b.machine - a.machine) / wallMs
    // What none of the figure's processes used: other sessions on this shared machine, the kernel,
    // PostgreSQL's other backends. Clamped: the counters are read a few ms apart, and tick-rounded.
    cores.others = Math.max(0, cores.machine - ours)
  }
  return { wallMs, cores }
}

function cpuUsageMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000
}

/** CPU ms of each of the hubs' backends and PostgreSQL's WAL writer, checkpointer and background writer. */
async function postgresCpu(client: pg.Client, prefix: string): Promise<Map<number, number>> {
  const { rows } = await client.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE starts_with(application_name, $1) OR backend_type = ANY($2)`,
    [prefix, AUX_BACKENDS],
  )
  const out = new Map<number, number>()
  for (const { pid } of rows) {
    const ms = processCpuMs(pid)
    if (ms !== undefined) out.set(pid, ms)
  }
  return out
}

async function redisCpuMs(client: ReturnType<typeof createClient>): Promise<number> {
  const info = await client.info('cpu')
  const field = (name: string): number => Number(new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info)?.[1] ?? 0)
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1000
}

let ticksPerSecond: number | undefined

/** USER_HZ, the unit of /proc's CPU counters (100 on every usual Linux). */
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
    } catch {
      ticksPerSecond = 100
    }
  }
  return ticksPerSecond
}

function procAvailable(): boolean {
  try {
    readFileSync('/proc/stat', 'utf8')
    return true
  } catch {
    return false
  }
}

/** utime + stime of a process from /proc/<pid>/stat, in ms; undefined when it is gone. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const utime = Number(fields[11])
    const stime = Number(fields[12])
    return ((utime + stime) * 1000) / clockTicks()
  } catch {
    return undefined
  }
}

/** Busy time of all cores (user, nice, system, irq, softirq; not idle, iowait or steal), in ms. */
function machineBusyMs(): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
    const [user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number)
    return (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) * 1000) / clockTicks()
  } catch {
    return undefined
  }
}
