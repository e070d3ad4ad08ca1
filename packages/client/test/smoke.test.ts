import { afterEach, describe, expect, it } from 'vitest'
import { schema } from './fixtures/schema.js'
import { startHub, type TestHub } from './helpers/hub.js'
import { openTestReplica, type TestReplica } from './helpers/replica.js'

describe('smoke', () => {
  let hub: TestHub
  const replicas: TestReplica[] = []
  afterEach(async () => {
    for (const r of replicas.splice(0)) await r.close()
    await hub?.dispose()
  })

  it('syncs a put between two replicas', async () => {
    hub = await startHub(schema)
    const a = await openTestReplica({ schema, url: hub.url, name: 'a' })
    const b = await openTestReplica({ schema, url: hub.url, name: 'b' })
    replicas.push(a, b)
    await a.put('cards', { id: 'c1', title: 'Hi', votes: 0, tags: [] })
    expect(await a.get('cards', 'c1')).toEqual({ id: 'c1', title: 'Hi', votes: 0, tags: [] })
    await a.flush()
    await b.flush()
    expect(await b.get('cards', 'c1')).toEqual({ id: 'c1', title: 'Hi', votes: 0, tags: [] })
    expect(a.status).toMatchObject({ connection: 'online', pending: 0 })
  })
})
