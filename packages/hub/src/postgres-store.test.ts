import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { PG_URL, dropSchema, freshSchemaName } from '../test/helpers/postgres.js'
import { POSTGRES_SCHEMA_VERSION } from './postgres/migrations.js'
import { postgresStore } from './postgres-store.js'
import { TestWriter, decide, settle } from './testing/contract-kit.js'
import { runHubStoreContract } from './testing/index.js'

runHubStoreContract(async () => {
  const schema = freshSchemaName()
  return {
    store: postgresStore({ connectionString: PG_URL, schema }),
    reopen: async () => postgresStore({ connectionString: PG_URL, schema }),
    cleanup: () => dropSchema(schema),
  }
})

describe('postgresStore specifics', () => {
  const withSchema = async (run: (schema: string) => Promise<void>): Promise<void> => {
    const schema = freshSchemaName()
    try {
      await run(schema)
    } finally {
      await dropSchema(schema)
    }
  }
  const query = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: PG_URL })
    await client.connect()
    try {
      return (await client.query<T>(sql, params)).rows
    } finally {
      await client.end()
    }
  }

  it('migrates once when several processes start together, and records the version', () =>
    withSchema(async (schema) => {
      const stores = Array.from({ length: 4 }, () => postgresStore({ connectionString: PG_URL, schema }))
      await Promise.all(stores.map((s) => s.ready()))
      const ids = await Promise.all(stores.map((s) => s.openSpace('s1')))
      expect(new Set(ids.map((i) => i.storeId)).size).toBe(1)
      expect(await query(`SELECT version, name FROM "${schema}".migrations`)).toEqual([{ version: POSTGRES_SCHEMA_VERSION, name: 'initial tables' }])
      await Promise.all(stores.map((s) => s.close()))
    }))

  it('refuses a schema migrated by a newer hub', () =>
    withSchema(async (schema) => {
      const first = postgresStore({ connectionString: PG_URL, schema })
      await first.ready()
      await first.close()
      await query(`INSERT INTO "${schema}".migrations (version, name) VALUES ($1, 'from the future')`, [POSTGRES_SCHEMA_VERSION + 1])
      const second = postgresStore({ connectionString: PG_URL, schema })
      await expect(second.ready()).rejects.toThrow(/upgrade the hub/)
      expect(await second.health()).toMatchObject({ ok: false })
      await second.close()
    }))

  it('refuses schema names it would have to quote', () => {
    for (const bad of ['Accord', 'a-b', 'x"; DROP TABLE y; --', '', 'a'.repeat(64)]) {
      expect(() => postgresStore({ connectionString: PG_URL, schema: bad })).toThrow(RangeError)
    }
  })

  it('lets exactly one of two processes commit on a head; the other decides again', () =>
    withSchema(async (schema) => {
      const a = postgresStore({ connectionString: PG_URL, schema })
      const b = postgresStore({ connectionString: PG_URL, schema })
      await a.openSpace('s1')
      for (let round = 0; round < 10; round++) {
        const [da, db] = await Promise.all([
          decide(a, 's1', [new TestWriter(`ra${round}`).put('items', `a${round}`, { id: `a${round}` })]),
          decide(b, 's1', [new TestWriter(`rb${round}`).put('items', `b${round}`, { id: `b${round}` })]),
        ])
        const results = await Promise.all([a.commitBatch('s1', da), b.commitBatch('s1', db)])
        expect(results.filter(Boolean)).toHaveLength(1)
        expect((await a.openSpace('s1')).head).toBe(round + 1)
      }
      await Promise.all([a.close(), b.close()])
    }))

  it('gives every space a new storeId on reset, keeping its data', () =>
    withSchema(async (schema) => {
      const store = postgresStore({ connectionString: PG_URL, schema })
      const before = await Promise.all(['s1', 's2'].map((s) => store.openSpace(s)))
      await settle(store, 's1', [new TestWriter('r1').put('items', 'a', { id: 'a' })])
      expect(await store.resetStoreIds()).toBe(2)
      const after = await Promise.all(['s1', 's2'].map((s) => store.openSpace(s)))
      expect(after.map((i) => i.head)).toEqual([1, 0])
      for (let i = 0; i < 2; i++) expect(after[i]?.storeId).not.toBe(before[i]?.storeId)
      expect(after[0]?.storeId).not.toBe(after[1]?.storeId)
      await store.close()
    }))

  it('reports an unreachable server as unhealthy, without credentials in the detail', async () => {
    const store = postgresStore({ connectionString: 'postgres://user:hunter2@127.0.0.1:1/nowhere', schema: 'accord', pool: { connectionTimeoutMillis: 2000 } })
    const health = await store.health()
    expect(health.ok).toBe(false)
    expect(health.detail).toContain('127.0.0.1:1/nowhere')
    expect(health.detail).not.toContain('hunter2')
    await store.close()
  })
})
