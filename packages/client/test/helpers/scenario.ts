import { jsonEqual, type RecordValue, type Schema } from '@accord/core'
import { startHub, type TestHub } from './hub.js'
import { openTestReplica, type TestReplica, type TestReplicaOptions } from './replica.js'

/** A hub and the replicas a test opened, closed together after the test. */
export class Scenario {
  hub!: TestHub
  readonly replicas: TestReplica[] = []

  constructor(readonly schema: Schema) {}

  async start(options: Parameters<typeof startHub>[1] = {}): Promise<this> {
    this.hub = await startHub(this.schema, options)
    return this
  }

  /** A replica on its own device (fake IndexedDB), connected to the hub. */
  async replica(name: string, options: Partial<TestReplicaOptions> = {}): Promise<TestReplica> {
    const replica = await openTestReplica({ schema: this.schema, url: this.hub.url, name, ...options })
    this.replicas.push(replica)
    return replica
  }

  async dispose(): Promise<void> {
    for (const replica of this.replicas.splice(0)) await replica.close()
    await this.hub?.dispose()
  }
}

/** Waits until every replica is connected, has sent everything and has caught up. */
export async function settle(...replicas: TestReplica[]): Promise<void> {
  for (const replica of replicas) await replica.flush()
  // A second round: the first replicas flushed before the last ones' commits existed.
  for (const replica of replicas) await replica.flush()
}

/** Two replicas that created `records` online, then both went offline (paused). */
export async function twoOfflineReplicas(s: Scenario, records: { col: string; value: RecordValue }[]): Promise<[TestReplica, TestReplica]> {
  const a = await s.replica('a')
  const b = await s.replica('b')
  for (const { col, value } of records) await a.put(col, value)
  await settle(a, b)
  for (const { col, value } of records) {
    const received = await b.get(col, String(value['id']))
    if (!jsonEqual(received, value)) throw new Error(`b did not receive ${col}/${String(value['id'])}: ${JSON.stringify(received)}`)
  }
  await a.pause()
  await b.pause()
  return [a, b]
}

/** Brings `first` back, lets it sync, then `second`, then both catch up. */
export async function reconcile(first: TestReplica, second: TestReplica): Promise<void> {
  await first.resume()
  await first.flush()
  await second.resume()
  await settle(second, first)
}
