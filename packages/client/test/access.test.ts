/**
 * Who may sync and what is refused: a bad token shows `unauthorized` in status and nothing
 * crosses in either direction; a schema-invalid write is refused locally with nothing written;
 * a replica bound to one space or hub refuses another (`space_mismatch`); a replica id claimed by
 * another user is `replica_taken`; a replica older than the hub's schema gets `client_too_old`
 * and keeps its outbox.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineSchema } from '@accord/core'
import { createHub, sqliteStore } from '@accord/hub'
import { afterEach, describe, expect, it } from 'vitest'
import { collections, schema } from './fixtures/schema.js'
import { openTestReplica, until } from './helpers/replica.js'
import { Scenario, settle } from './helpers/scenario.js'

let s: Scenario
afterEach(async () => {
  await s.dispose()
})

const tokens: { [token: string]: string } = { secret: 'u1', other: 'u2' }
const authenticate = ({ token }: { token: string | null }): string | null => (token === null ? null : (tokens[token] ?? null))

describe('access', () => {
  it('a refused token shows unauthorized in status; nothing is sent or received', async () => {
    s = await new Scenario(schema).start({ authenticate })
    const good = await s.replica('good')
    const bad = await s.replica('bad', { token: async () => 'wrong' })
    await bad.waitForStatus((st) => st.error?.code === 'unauthorized', 'the refusal')
    expect(bad.status.connection).not.toBe('online')
    await bad.put('cards', { id: 'secret-plan', title: 'must not leak' })
    await good.put('cards', { id: 'team-card', title: 'only for the team' })
    await settle(good)
    // The bad replica keeps retrying (a token may be fixed), and still gets nothing through.
    await until(() => bad.statuses.filter((st) => st.connection === 'connecting').length >= 1, 'a retry')
    expect(await good.get('cards', 'secret-plan')).toBeUndefined()
    expect(await bad.get('cards', 'team-card')).toBeUndefined()
    expect(bad.status).toMatchObject({ pending: 1, cursor: 0 })
    expect(bad.status.error?.code).toBe('unauthorized')
  })

  it('a token provider that fails counts as unauthorized, and open still resolves', async () => {
    s = await new Scenario(schema).start({ authenticate })
    const r = await s.replica('r', {
      token: async () => {
        throw new Error('logged out')
      },
    })
    await r.waitForStatus((st) => st.error?.code === 'unauthorized', 'the refusal')
    expect(r.status.error?.message).toContain('logged out')
  })

  it('refuses a schema-invalid write locally with validation_failed; nothing is written', async () => {
    s = await new Scenario(schema).start()
    const a = await s.replica('a')
    await a.put('cards', { id: 'k', title: 'fine' })
    const refused = await a.runtime.write([
      { op: 'put', col: 'cards', value: { id: 'other', title: 'also fine' } },
      { op: 'update', col: 'cards', key: 'k', patch: { title: 42 } },
    ])
    expect(refused.ok ? 'ok' : refused.error.code).toBe('validation_failed')
    expect(await a.get('cards', 'other')).toBeUndefined()
    expect(await a.get('cards', 'k')).toMatchObject({ title: 'fine' })
    await settle(a)
    expect(a.status.pending).toBe(0)
    const noId = await a.runtime.write([{ op: 'put', col: 'cards', value: { title: 'no id' } }])
    expect(noId.ok ? 'ok' : noId.error.code).toBe('validation_failed')
    const unknown = await a.runtime.write([{ op: 'put', col: 'nope', value: { id: 'x' } }])
    expect(unknown.ok ? 'ok' : unknown.error.code).toBe('unknown_collection')
  })

  it('refuses to open a replica bound to another space or hub (space_mismatch)', async () => {
    s = await new Scenario(schema).start()
    const a = await s.replica('bound', { space: 'team-1' })
    await a.flush()
    await until(async () => (await a.runtime.database?.table('_state').get('replica'))?.value.space === 'team-1', 'the binding recorded')
    await a.close()
    s.replicas.splice(0)
    await expect(openTestReplica({ schema, name: 'bound', idb: a.idb, url: s.hub.url, space: 'team-2' })).rejects.toMatchObject({ code: 'space_mismatch' })
    await expect(openTestReplica({ schema, name: 'bound', idb: a.idb, url: 'http://127.0.0.1:9', space: 'team-1' })).rejects.toMatchObject({ code: 'space_mismatch' })
    // Failover URLs that include the bound hub are fine, and so is opening without a hub.
    s.replicas.push(await openTestReplica({ schema, name: 'bound', idb: a.idb, url: ['http://127.0.0.1:9', s.hub.url], space: 'team-1' }))
  })

  it('a replica id claimed by another user is refused with replica_taken', async () => {
    s = await new Scenario(schema).start({ authenticate })
    const a = await s.replica('shared-device', { token: async () => 'secret' })
    await a.flush()
    await a.close()
    s.replicas.splice(0)
    const other = await s.replica('shared-device', { idb: a.idb, token: async () => 'other' })
    await other.waitForStatus((st) => st.error?.code === 'replica_taken', 'the refusal')
  })

  it('stops syncing with principal_changed when the hub authenticates another principal', async () => {
    s = await new Scenario(schema).start({ authenticate })
    const a = await s.replica('a', { token: async () => 'secret' })
    await a.put('cards', { id: 'k', title: 'u1’s' })
    await a.flush()
    // The hub comes back on a fresh store (a restore) where this token now means u2.
    const port = s.hub.port
    await s.hub.stop()
    const dir = mkdtempSync(join(tmpdir(), 'accord-client-principal-'))
    const fresh = await createHub({ schema, store: sqliteStore(join(dir, 'hub.db')), port, host: '127.0.0.1', authenticate: () => 'u2' })
    try {
      await a.waitForStatus((st) => st.error?.code === 'principal_changed', 'the refusal')
      await a.put('cards', { id: 'k2', title: 'stays local' })
      await until(() => fresh.io.sockets.sockets.size === 0, 'the refused socket closed')
      expect(a.status.connection).toBe('offline')
    } finally {
      await a.close()
      await fresh.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('an older schema than the hub’s gets client_too_old and keeps its outbox', async () => {
    const v2 = defineSchema({ version: 2, collections })
    s = await new Scenario(v2).start()
    const old = await openTestReplica({ schema, name: 'old', url: s.hub.url })
    s.replicas.push(old)
    await old.put('cards', { id: 'k' })
    await old.waitForStatus((st) => st.error?.code === 'client_too_old' && st.pending === 1, 'the refusal')
  })
})
