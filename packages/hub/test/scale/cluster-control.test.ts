import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { connectRedisBroadcast, createHub, postgresStore, silentLogger, type Hub, type RedisBroadcast } from '../../src/index.js'
import { schema } from '../fixtures/schema.js'
import { until } from '../helpers/harness.js'
import { PG_URL, REDIS_URL, dropSchema, freshSchemaName } from '../helpers/postgres.js'
import { connectReplica, type TestReplica } from '../helpers/test-replica.js'

/** Two hubs in this process sharing one PostgreSQL schema and one Redis channel: two "processes". */
describe('cluster-wide connection control (two hubs, Redis adapter)', () => {
  let pgSchema: string
  let hubs: Hub[]
  let links: RedisBroadcast[]
  const open: TestReplica[] = []
  const url = (hub: Hub): string => `http://127.0.0.1:${hub.port}`

  beforeEach(async () => {
    pgSchema = freshSchemaName()
    const key = `accord-test-${randomBytes(4).toString('hex')}`
    links = await Promise.all([0, 1].map(() => connectRedisBroadcast({ url: REDIS_URL, key })))
    hubs = await Promise.all(
      links.map((link) =>
        createHub({ schema, store: postgresStore({ connectionString: PG_URL, schema: pgSchema }), adapter: link.adapter, port: 0, host: '127.0.0.1', logger: silentLogger }),
      ),
    )
  })
  afterEach(async () => {
    for (const replica of open.splice(0)) replica.close()
    for (const hub of hubs) await hub.close()
    for (const link of links) await link.close()
    await dropSchema(pgSchema)
  })

  const connect = async (hub: Hub, options: Parameters<typeof connectReplica>[1]): Promise<TestReplica> => {
    const replica = await connectReplica(url(hub), options)
    open.push(replica)
    return replica
  }

  it('a leader handover on one hub disconnects the older connection on the other', async () => {
    const older = await connect(hubs[0] as Hub, { replicaId: 'r1', writers: ['w-old-leader'] })
    const gone = new Promise<string>((resolve) => older.socket.once('disconnect', resolve))
    const copy = await connect(hubs[0] as Hub, { replicaId: 'r1', writers: ['w-copy'] })
    await connect(hubs[1] as Hub, { replicaId: 'r1', writers: ['w-new-leader', 'w-old-leader'] })
    expect(await gone).toBe('io server disconnect')
    expect(copy.socket.connected).toBe(true)
  })

  it('revoke on one hub disconnects the matching sockets on both', async () => {
    const a = await connect(hubs[0] as Hub, { space: 's-revoke' })
    const b = await connect(hubs[1] as Hub, { space: 's-revoke' })
    const other = await connect(hubs[1] as Hub, { space: 's-other' })
    expect(await (hubs[0] as Hub).revoke({ space: 's-revoke' })).toBe(2)
    await until(() => !a.socket.connected && !b.socket.connected, 5000, 'both sockets disconnected')
    expect(other.socket.connected).toBe(true)
  })
})
