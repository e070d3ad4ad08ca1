/**
 * S2's measurement on one running cluster: R receivers of one space spread round-robin over the K
 * hub processes, one writer on the first; each round the writer pushes a single-field patch and
 * every receiver's `commits` handler is timed from the writer's emit (P6's write→delivered, durable
 * PostgreSQL commit included). Receivers on the writer's hub get the broadcast from that process;
 * the others through Redis and their own process.
 */
import { startCpuWindow, type CpuReading } from '../../node/cpu-meter.js'
import { connectClients, deliver } from '../../node/fan-out.js'
import type { HubCluster } from '../../node/hub-cluster.js'
import { WireClient } from '../../node/wire-client.js'
import { makeItem } from '../../schema.js'

const WARMUP_ROUNDS = 3

export interface FanOutRun {
  /** Every delivery of every measured round, ms. */
  samples: number[]
  /** Deliveries to receivers on the writer's hub, and on the other hubs (through Redis). */
  local: number[]
  remote: number[]
  /** The writer hub's push arrival → `io.to(room).emit`, per round (validation, decision, commit). */
  pushToEmit: number[]
  cpu: CpuReading
  rounds: number
}

export async function fanOutOnce(cluster: HubCluster, receiverCount: number, rounds: number, tag: string): Promise<FanOutRun> {
  const space = `fanout-${tag}`
  const writerHub = cluster.hubs[0]
  if (!writerHub) throw new Error('a cluster without hubs')
  let writer: WireClient | undefined
  let receivers: WireClient[] = []
  try {
    writer = await WireClient.connect(cluster.urls[0] as string, space)
    receivers = await connectClients(cluster.urls, space, receiverCount)
    const w = writer
    const item = makeItem(1, tag)
    let base = (await w.push([w.change('put', item.id, item)])).seq
    const write = (round: number): Promise<number[]> => {
      const title = `round-${round}`
      return deliver(receivers, title, async () => {
        const prev = { title: round === 0 ? item.title : `round-${round - 1}` }
        base = (await w.push([w.change('patch', item.id, { title }, { base, prev })])).seq
      })
    }
    for (let round = 0; round < WARMUP_ROUNDS; round++) await write(round)
    await writerHub.request({ type: 'broadcast-spans' })
    const meter = await startCpuWindow({ hubs: cluster.hubs, pgApplicationPrefix: cluster.applicationPrefix, redis: true })
    const measured: number[][] = []
    for (let round = WARMUP_ROUNDS; round < WARMUP_ROUNDS + rounds; round++) measured.push(await write(round))
    const cpu = await meter.stop()
    const pushToEmit = await writerHub.request<number[]>({ type: 'broadcast-spans' })
    const hubs = cluster.urls.length
    // Receiver i is on hub i % K (connectClients): hub 0 is the writer's.
    const local = measured.flatMap((arrivals) => arrivals.filter((_, i) => i % hubs === 0))
    const remote = measured.flatMap((arrivals) => arrivals.filter((_, i) => i % hubs !== 0))
    return { samples: measured.flat(), local, remote, pushToEmit, cpu, rounds }
  } finally {
    writer?.close()
    for (const client of receivers) client.close()
  }
}
