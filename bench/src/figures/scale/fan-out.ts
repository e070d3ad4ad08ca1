/**
 * S2's measurement: R receivers of one space spread round-robin over a cluster's K hub processes,
 * one writer on the first hub; each round the writer pushes a single-field patch and every
 * receiver's `commits` handler is timed from the writer's emit (P6's write→delivered, durable
 * PostgreSQL commit included). Receivers on the writer's hub get the broadcast from that process;
 * the others through Redis and their own process. One `FanOutSide` per cluster, all connected at
 * once, so the figure can alternate blocks of rounds between clusters (an idle side costs nothing).
 */
import type { CpuReading } from '../../node/cpu-meter.js'
import { connectClients, deliver } from '../../node/fan-out.js'
import type { HubCluster } from '../../node/hub-cluster.js'
import { WireClient } from '../../node/wire-client.js'
import { makeItem, type Item } from '../../schema.js'

const WARMUP_ROUNDS = 3

export interface FanOutRun {
  /** Every delivery of every measured round, ms. */
  samples: number[]
  /** Deliveries to receivers on the writer's hub, and on the other hubs (through Redis). */
  local: number[]
  remote: number[]
  /** The writer hub's push arrival → `io.to(room).emit`, per round (validation, decision, commit). */
  pushToEmit: number[]
  /** One reading per block of rounds. */
  cpu: CpuReading[]
  rounds: number
}

export class FanOutSide {
  private round = 0
  private readonly run: FanOutRun = { samples: [], local: [], remote: [], pushToEmit: [], cpu: [], rounds: 0 }

  private constructor(
    readonly cluster: HubCluster,
    private readonly writer: WireClient,
    private readonly receivers: WireClient[],
    private readonly item: Item,
    private base: number,
  ) {}

  /** Connects the writer and the receivers, writes the record, runs the warm-up rounds. */
  static async open(cluster: HubCluster, receiverCount: number, space: string): Promise<FanOutSide> {
    let writer: WireClient | undefined
    let receivers: WireClient[] = []
    try {
      writer = await WireClient.connect(cluster.urls[0] as string, space)
      receivers = await connectClients(cluster.urls, space, receiverCount)
      const item = makeItem(1, space)
      const side = new FanOutSide(cluster, writer, receivers, item, (await writer.push([writer.change('put', item.id, item)])).seq)
      for (let i = 0; i < WARMUP_ROUNDS; i++) await side.write()
      await side.writerHub().request({ type: 'broadcast-spans' })
      return side
    } catch (error) {
      writer?.close()
      for (const client of receivers) client.close()
      throw error
    }
  }

  /** Measures `rounds` writes, with the CPU of every process over them. */
  async block(rounds: number): Promise<void> {
    const hubs = this.cluster.urls.length
    const cpuWindow = await this.cluster.meter.start()
    for (let i = 0; i < rounds; i++) {
      const arrivals = await this.write()
      this.run.samples.push(...arrivals)
      // Receiver i is on hub i % K (connectClients): hub 0 is the writer's.
      arrivals.forEach((ms, r) => (r % hubs === 0 ? this.run.local : this.run.remote).push(ms))
    }
    this.run.cpu.push(await cpuWindow.stop())
    this.run.rounds += rounds
  }

  /** Disconnects every client; returns what the blocks measured. */
  async close(): Promise<FanOutRun> {
    try {
      this.run.pushToEmit = await this.writerHub().request<number[]>({ type: 'broadcast-spans' })
      return this.run
    } finally {
      this.writer.close()
      for (const client of this.receivers) client.close()
    }
  }

  private writerHub(): HubCluster['hubs'][number] {
    return this.cluster.hubs[0] as HubCluster['hubs'][number]
  }

  private write(): Promise<number[]> {
    const round = this.round++
    const title = `round-${round}`
    const prev = { title: round === 0 ? this.item.title : `round-${round - 1}` }
    return deliver(this.receivers, title, async () => {
      this.base = (await this.writer.push([this.writer.change('patch', this.item.id, { title }, { base: this.base, prev })])).seq
    })
  }
}
