/**
 * P6 — fan-out of one write to 100 and 1,000 connected Node clients. A writer pushes a
 * single-field patch; every client of the space receives the hub's one `commits` broadcast.
 * Baseline: the same writer emits the same payload to a bare Socket.IO server that re-emits it with
 * `io.to(room).emit` to as many clients. Hub and relay run side by side (two child processes, all
 * clients in this process, one clock) and their rounds alternate, so drifting machine load hits
 * both alike. Two rows per size:
 *   fan-out          writer's emit → delivery, minus the hub's own time from the push's arrival to
 *                    its `io.to(room).emit` (validation, decision, the durable SQLite commit):
 *                    the broadcast path against the raw broadcast path. The target is judged here.
 *   write→delivered  the same without the subtraction: what an app sees, durable commit included.
 */
import { join } from 'node:path'
import type { CommitsMessage } from '@accord/core'
import { startChild, type Child } from '../lib/child.js'
import type { ServerConfig } from '../node/server-process.js'
import type { Figure, FigureModule, RunContext } from '../lib/figure.js'
import { distribution, median, round } from '../lib/stats.js'
import { connectClients, deliver } from '../node/fan-out.js'
import { WireClient } from '../node/wire-client.js'
import { makeItem } from '../schema.js'

const SPACE = 'fanout'
const WARMUP_ROUNDS = 3

export const p6: FigureModule = {
  ids: ['P6'],
  title: 'fan-out of one write',
  async run(ctx) {
    const cases = [
      { receivers: 100, rounds: ctx.quick ? 30 : 200, target: 1.2 },
      { receivers: 1000, rounds: ctx.quick ? 10 : 60, target: 1.3 },
    ]
    const figures: Figure[] = []
    for (const c of cases) figures.push(...(await measureFanOut(ctx, c.receivers, c.rounds, c.target)))
    return figures
  },
}

interface Side {
  child: Child
  writer: WireClient
  receivers: WireClient[]
}

async function measureFanOut(ctx: RunContext, count: number, rounds: number, target: number): Promise<Figure[]> {
  const sides: Side[] = []
  try {
    const hub = await openSide({ type: 'hub', dbPath: join(ctx.tmp, `p6-hub-${count}.db`) }, count)
    sides.push(hub)
    const relay = await openSide({ type: 'relay' }, count)
    sides.push(relay)

    const item = makeItem(1)
    let base = (await hub.writer.push([hub.writer.change('put', item.id, item)])).seq
    let template: CommitsMessage | undefined
    hub.writer.onCommits((m) => (template ??= m.commits[0]?.set?.title === 'round-0' ? m : undefined))
    await hub.child.request({ type: 'broadcast-spans' })

    const hubRounds: number[][] = []
    const relayRounds: number[][] = []
    for (let round = 0; round < rounds + WARMUP_ROUNDS; round++) {
      const title = `round-${round}`
      const h = await deliver(hub.receivers, title, async () => {
        const prev = { title: round === 0 ? item.title : `round-${round - 1}` }
        base = (await hub.writer.push([hub.writer.change('patch', item.id, { title }, { base, prev })])).seq
      })
      if (!template) throw new Error('the hub writer did not receive its own broadcast')
      const commit = template.commits[0] as CommitsMessage['commits'][number]
      const payload: CommitsMessage = { ...template, commits: [{ ...commit, seq: commit.seq + round, set: { title } }] }
      const r = await deliver(relay.receivers, title, () => void relay.writer.socket.emit('relay', payload))
      if (round >= WARMUP_ROUNDS) {
        hubRounds.push(h)
        relayRounds.push(r)
      }
    }
    const spans = (await hub.child.request<number[]>({ type: 'broadcast-spans' })).slice(WARMUP_ROUNDS)
    if (spans.length !== rounds) throw new Error(`expected ${rounds} hub broadcasts, traced ${spans.length}`)
    const payloadBytes = Buffer.byteLength(JSON.stringify(template))
    const fanOut = hubRounds.flatMap((arrivals, i) => arrivals.map((t) => t - (spans[i] as number)))
    const common = {
      case: `${count.toLocaleString('en')} clients, ${rounds} writes`,
      baseline: latencyMeasure(relayRounds.flat(), `writer emits the same ${payloadBytes}-byte payload → bare Socket.IO server, io.to(room).emit → each client`),
    }
    return [
      figure({
        ...common,
        title: 'fan-out of one write, broadcast → delivered',
        durability: 'none on this path (the hub has committed before it emits)',
        measured: {
          ...latencyMeasure(fanOut, "writer's emit → each client's handler, minus the hub's push-arrival → emit time of that write"),
          hubPushToEmitMs: { p50: round(median(spans)), max: round(Math.max(...spans)) },
        },
        target,
        judged: true,
      }),
      figure({
        ...common,
        title: 'one write, written → delivered to every client',
        durability: 'hub: SQLite WAL synchronous=FULL before the broadcast; baseline: none',
        measured: latencyMeasure(hubRounds.flat(), "writer's emit (push of a single-field patch) → each client's handler"),
        target,
        judged: false,
      }),
    ]
  } finally {
    for (const side of sides) {
      side.writer.close()
      for (const client of side.receivers) client.close()
      await side.child.stop()
    }
  }
}

function latencyMeasure(samples: number[], what: string): Figure['measured'] {
  const d = distribution(samples)
  return { unit: 'ms', p50: round(d.p50), p99: round(d.p99), n: d.n, what }
}

function figure(input: {
  case: string
  title: string
  durability: string
  measured: Figure['measured']
  baseline: Figure['measured']
  target: number
  judged: boolean
}): Figure {
  const { measured, baseline, target } = input
  const ratio = { p50: round((measured.p50 ?? NaN) / (baseline.p50 ?? NaN)), p99: round((measured.p99 ?? NaN) / (baseline.p99 ?? NaN)) }
  return {
    id: 'P6',
    title: input.title,
    case: input.judged ? input.case : `${input.case}, incl. durable commit`,
    durability: input.durability,
    measured,
    baseline,
    ratio,
    target: input.judged
      ? { text: `≤ ${target}× (p50 and p99)`, met: ratio.p50 <= target && ratio.p99 <= target }
      : { text: 'none (shown for the commit cost)', met: null },
  }
}

async function openSide(config: ServerConfig, count: number): Promise<Side> {
  const { child, ready } = await startChild(config)
  const url = `http://127.0.0.1:${String(ready.port)}`
  let writer: WireClient | undefined
  try {
    writer = await WireClient.connect(url, SPACE)
    return { child, writer, receivers: await connectClients([url], SPACE, count) }
  } catch (error) {
    writer?.close()
    await child.stop()
    throw error
  }
}
