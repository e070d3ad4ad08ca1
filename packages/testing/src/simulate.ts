import type { CustomMergeInput, RecordValue, Schema } from '@accord/core'
import type { ApplyFaults, DeciderFaults, LocalOp } from '@accord/core/internal'
import { MemoryHubStore } from './memory-hub-store.js'
import type { NetworkFaults } from './network.js'
import { Rng } from './rng.js'
import { Scheduler } from './scheduler.js'
import { Rooms, SimHub, type BroadcastFaults, type SettledChange } from './sim-hub.js'
import { SimReplica } from './sim-replica.js'
import { createSimSchema } from './sim-schema.js'
import { MarkSource, defaultWorkload, marksOf, type Workload, type WorkloadContext } from './workload.js'
import { checkInvariants, type InvariantInput, type Ledger } from './invariants.js'

/** Deliberate bugs, to prove the simulator catches them (tests only). */
export interface SimFaults {
  decider?: DeciderFaults
  replica?: ApplyFaults
  broadcast?: BroadcastFaults
}

export interface SimOptions {
  seed: number
  /** Random actions before healing. */
  steps?: number
  /** Your schema; pass a `workload` written for it too. Default: `simSchema`. */
  schema?: Schema
  /** The writes to make. Default: `defaultWorkload` (for `simSchema`). */
  workload?: Workload
  /** Extra invariants over the healed state, each violation a line. */
  invariants?: (input: InvariantInput) => string[]
  faults?: SimFaults
}

export interface SimResult {
  seed: number
  ok: boolean
  failures: string[]
  trace: string[]
  stats: { writes: number; commits: number; conflicts: number; pulls: number; knobs: string[] }
}

const SPACE = 'space-1'

/** By `count % 4` (the replica's index + 1): r0 logical, r1 `wire: 3`, r2 `wire: 2`, r3 `wire: 3`, … */
const WIRES: readonly (1 | 2 | 3)[] = [3, 1, 3, 2]

/** The wire encoding of the `count`-th replica (from 1). */
function wireOf(count: number, knobs: Set<string>): 1 | 2 | 3 {
  const wire = WIRES[count % 4] ?? 1
  if (wire > 1) knobs.add('compact-wire')
  return wire
}

/**
 * Runs one seeded simulation: replicas write at random while the network partitions, delays,
 * reorders, duplicates and drops, replicas and hubs crash, databases are cloned and the hub's store
 * is restored from a backup; then everything heals and the invariants are checked.
 */
export async function simulate(options: SimOptions): Promise<SimResult> {
  const rng = new Rng(options.seed)
  const merges: CustomMergeInput[] = []
  const schema = options.schema ?? createSimSchema((input) => merges.push(input))
  const workload = options.workload ?? defaultWorkload
  const trace: string[] = []
  const log = (line: string): void => {
    trace.push(`[${scheduler.now}] ${line}`)
  }
  const scheduler = new Scheduler()
  const knobs = new Set<string>()
  const network: NetworkFaults = {
    maxDelayMs: rng.int(0, 30),
    duplicate: rng.chance(0.5) ? rng.next() * 0.2 : 0,
    duplicateRequest: rng.chance(0.3) ? rng.next() * 0.1 : 0,
    drop: rng.chance(0.3) ? rng.next() * 0.05 : 0,
  }
  const ledger: Ledger = { settled: [], durableMarks: new Set(), droppableMarks: new Set(), counterSums: new Map(), restored: false, prevs: new Map(), merges }
  const store = new MemoryHubStore({ storeId: () => rng.id('store-') })
  const rooms = new Rooms(options.faults?.broadcast, (knob) => knobs.add(knob))
  const limits = { batchChanges: rng.int(3, 10), maxClockDriftMs: 60_000 }
  const hubCount = rng.chance(0.3) ? 2 : 1
  if (hubCount === 2) knobs.add('two-deciders')
  // Half the seeds settle pushes as the real hub does under load: in groups sharing one write. A
  // turn starts a few virtual ms late, as behind a write in flight, so that pushes pile up.
  const groupWaitMs = rng.int(0, 10)
  const groupCommit = rng.chance(0.5) ? { defer: (fn: () => void) => void scheduler.setTimeout(fn, groupWaitMs) } : undefined
  if (groupCommit) knobs.add('group-commit')
  const hubs = Array.from({ length: hubCount }, (_, i) => {
    const hubOptions = {
      limits,
      trace: log,
      ledger: (s: SettledChange[]) => ledger.settled.push(...s),
      ...(options.faults?.decider ? { faults: options.faults.decider } : {}),
      ...(groupCommit ? { groupCommit } : {}),
    }
    return new SimHub(`hub${i}`, store, schema, rooms, () => scheduler.now, hubOptions)
  })
  // Three seeds in four leave prev out of pushes where no conflict is expected (ReplicaSync's
  // default); the rest always send it. By seed, not drawn: the other knobs' draws stay as they were.
  const prevOnDemand = options.seed % 4 !== 0
  if (prevOnDemand) knobs.add('prev-on-demand')
  const pullLimit = rng.chance(0.3) ? 1 : rng.int(2, 20)
  if (pullLimit === 1) knobs.add('pull-limit-1')
  const replicas: SimReplica[] = []
  let replicaCount = 0
  const makeReplica = async (data?: SimReplica['store']['data'], replicaId?: string): Promise<SimReplica> => {
    const name = `r${replicaCount++}`
    const skewMs = rng.chance(0.1) ? 120_000 : rng.int(-5000, 5000)
    const r = new SimReplica(
      {
        name,
        schema,
        scheduler,
        rng,
        network,
        space: SPACE,
        pullLimit,
        gapGraceMs: rng.int(20, 200),
        skewMs,
        trace: log,
        // Replicas speak, in turn, the logical messages, `wire: 3` (room copies), `wire: 2`, `wire: 3`
        // (by index: no draw from the rng), so copies of a database may speak different ones.
        wire: wireOf(replicaCount, knobs),
        prevOnDemand,
        ...(options.faults?.replica ? { faults: options.faults.replica } : {}),
      },
      data,
      replicaId ?? rng.id('rep-'),
    )
    await r.boot()
    replicas.push(r)
    return r
  }
  for (let i = rng.int(2, 4); i > 0; i--) await makeReplica()
  const hubFor = (r: SimReplica): SimHub => hubs[replicas.indexOf(r) % hubs.length] as SimHub

  // Background: reconnection attempts and the hubs' periodic head announcements.
  let running = true
  const reconnectTick = (): void => {
    if (!running) return
    for (const r of replicas) r.connect(hubFor(r))
    scheduler.setTimeout(reconnectTick, 100)
  }
  const headTick = (): void => {
    if (!running) return
    for (const hub of hubs) if (hub.alive) void hub.announceHead(SPACE)
    scheduler.setTimeout(headTick, 1000)
  }
  reconnectTick()
  headTick()

  const marks = new MarkSource()
  let backup: ReturnType<MemoryHubStore['snapshot']> | undefined
  const visibleOf = (r: SimReplica) => (col: string, key: string): RecordValue | undefined => r.store.data.visible.get(`${col}\u0000${key}`)
  let writes = 0
  const write = async (r: SimReplica, ops: LocalOp[], droppable = false): Promise<void> => {
    const opMarks = marksOf(ops)
    log(`${r.name} write ${ops.map((o) => `${o.op} ${o.col}/${'key' in o ? o.key : String(o.value['id'])}`).join('; ')} marks=${opMarks.join(',')}`)
    const changes = await r.write(ops)
    if (changes) {
      writes += 1
      for (const c of changes) if (typeof c.set?.['mark'] === 'string') ledger.prevs.set(c.set['mark'], c.prev)
      for (const m of opMarks) (droppable ? ledger.droppableMarks : ledger.durableMarks).add(m)
      const counted = workload.counter
      for (const op of ops) {
        if (counted && op.op === 'increment' && op.col === counted.col && op.field === counted.field) ledger.counterSums.set(op.key, (ledger.counterSums.get(op.key) ?? 0) + op.by)
      }
    }
  }

  const first = replicas[0] as SimReplica
  const setup = workload.setup()
  if (setup.length) await write(first, setup)

  const steps = options.steps ?? rng.int(30, 90)
  for (let step = 0; step < steps; step++) {
    await scheduler.runUntil(scheduler.now + rng.int(0, 40))
    const r = rng.pick(replicas)
    const ctx: WorkloadContext = { rng, marks, visible: visibleOf(r) }
    const roll = rng.next()
    if (roll < 0.4) await write(r, [workload.write(ctx)])
    else if (roll < 0.5 && workload.counter) await write(r, [workload.counter.op(ctx)])
    else if (roll < 0.58) {
      const ops = Array.from({ length: rng.int(2, 4) }, () => workload.write(ctx))
      // A transaction over the hub's batch limit is refused locally, by design.
      await write(r, ops, ops.length > limits.batchChanges)
    } else if (roll < 0.6 && workload.large) {
      knobs.add('oversize-tx')
      await write(r, workload.large(ctx, limits.batchChanges + 2), true)
    } else if (roll < 0.63 && workload.resolution) {
      const open = [...r.store.data.conflicts.values()].find((c) => c.open && c.closedBy === undefined)
      if (open) {
        knobs.add('manual-resolve')
        await write(r, [{ op: 'resolve', col: open.col, key: open.key, conflictId: open.id, values: workload.resolution(ctx) }])
      }
    } else if (roll < 0.73) {
      r.online = !r.online
      log(`${r.name} ${r.online ? 'online' : 'offline'}`)
      if (!r.online) r.disconnect()
    } else if (roll < 0.77) {
      knobs.add('replica-crash')
      log(`${r.name} crash`)
      await r.crash()
    } else if (roll < 0.79 && replicas.length < 5) {
      knobs.add('clone')
      const clone = await makeReplica(r.store.cloneData(), r.store.data.state.replicaId)
      log(`${clone.name} cloned from ${r.name}`)
    } else if (roll < 0.82) {
      knobs.add('hub-crash')
      const hub = rng.pick(hubs)
      log(`${hub.name} crash`)
      hub.alive = false
      for (const x of replicas) if (hubFor(x) === hub) x.disconnect()
      scheduler.setTimeout(() => {
        hub.alive = true
        log(`${hub.name} restarted`)
      }, rng.int(50, 500))
    } else if (roll < 0.845) {
      backup = store.snapshot()
      log('hub store backed up')
    } else if (roll < 0.855 && backup) {
      knobs.add('restore-backup')
      ledger.restored = true
      // A restore happens with the hubs stopped: every connection drops and handshakes again.
      log('hub store restored from backup (hubs restarted)')
      store.restore(backup)
      for (const x of replicas) x.disconnect()
    } else if (roll < 0.875) {
      if (r.followers.length > 0 && rng.chance(0.5)) {
        r.handOver()
        knobs.add('leader-handover')
        log(`${r.name} hands leadership to another tab`)
      } else if (r.followers.length < 2) {
        knobs.add('tabs')
        await r.openTab()
        log(`${r.name} opens another tab (${r.followers.length} followers)`)
      }
    } else if (roll < 0.885) {
      // Retention ran out for part of the history: replicas behind it must re-pull from 0.
      const { head } = await store.openSpace(SPACE)
      const through = rng.int(0, head)
      knobs.add('purge')
      log(`hub store purged through ${through}`)
      await store.purge(SPACE, through)
    } else if (roll < 0.93 && workload.fieldEdits) {
      if (await twoOfflineEdits(ctx, workload.fieldEdits, replicas, write, log)) knobs.add('two-offline-edits')
    } else {
      await scheduler.runUntil(scheduler.now + rng.int(100, 2000))
    }
  }

  // Heal: everyone online, no more drops, wait for quiescence.
  log('heal')
  network.drop = 0
  for (const hub of hubs) hub.alive = true
  for (const r of replicas) r.online = true
  const failures: string[] = []
  const healed = await waitQuiescent(scheduler, replicas, store)
  if (!healed) failures.push('did not converge within the healing bound')
  running = false
  const invariantInput: InvariantInput = { schema, store, space: SPACE, replicas, ledger, counter: workload.counter }
  failures.push(...replicas.flatMap((r) => r.wireFailures))
  failures.push(...replicas.flatMap((r) => r.settleFailures.slice(0, 3)))
  failures.push(...checkInvariants(invariantInput))
  if (options.invariants) failures.push(...options.invariants(invariantInput))
  const pulls = replicas.reduce((sum, r) => sum + r.sync.pulls, 0)
  if (replicas.some((r) => r.prevRequired > 0)) knobs.add('prev-required')
  for (const r of replicas) r.sync.close()
  return {
    seed: options.seed,
    ok: failures.length === 0,
    failures,
    trace,
    stats: { writes, commits: (await store.openSpace(SPACE)).head, conflicts: store.conflictsOf(SPACE).length, pulls, knobs: [...knobs].sort() },
  }
}

/** Two offline edits of one field on one replica while another replica writes it. */
async function twoOfflineEdits(
  ctx: WorkloadContext,
  target: NonNullable<Workload['fieldEdits']>,
  replicas: SimReplica[],
  write: (r: SimReplica, ops: LocalOp[]) => Promise<void>,
  log: (line: string) => void,
): Promise<boolean> {
  const { rng } = ctx
  if (replicas.length < 2) return false
  const a = rng.pick(replicas)
  const b = rng.pick(replicas.filter((x) => x !== a))
  const col = rng.pick(target.cols)
  const key = rng.pick(target.keys)
  if (!a.store.data.visible.has(`${col}\u0000${key}`) || !b.store.data.visible.has(`${col}\u0000${key}`)) return false
  log(`scenario: ${a.name} offline edits ${col}/${key} twice while ${b.name} writes it`)
  a.online = false
  a.disconnect()
  await write(a, [target.edit(ctx, col, key)])
  await write(a, [target.edit(ctx, col, key)])
  await write(b, [target.edit(ctx, col, key)])
  return true
}

/** Runs virtual time until every replica is connected, has an empty outbox and sits at the head. */
async function waitQuiescent(scheduler: Scheduler, replicas: SimReplica[], store: MemoryHubStore): Promise<boolean> {
  for (let round = 0; round < 400; round++) {
    await scheduler.runUntil(scheduler.now + 250)
    const head = (await store.openSpace(SPACE)).head
    let done = true
    for (const r of replicas) {
      const idle = r.link?.up === true && r.sync.isConnected && r.store.data.outbox.size === 0 && r.store.data.state.cursor === head
      if (!idle) {
        done = false
        break
      }
    }
    if (done) return true
  }
  return false
}
