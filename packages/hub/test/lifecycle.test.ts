import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { AuthorizeFn } from '../src/index.js'
import { afterEach, describe, expect, it } from 'vitest'
import { createHub, sqliteStore } from '../src/index.js'
import { schema } from './fixtures/schema.js'
import { startHub, type TestHub } from './helpers/harness.js'
import { connectReplica, refusalCode } from './helpers/test-replica.js'

describe('hub lifecycle, auth hooks and embedding', () => {
  const hubs: TestHub[] = []
  const start = async (...args: Parameters<typeof startHub>) => {
    const t = await startHub(...args)
    hubs.push(t)
    return t
  }
  afterEach(async () => {
    for (const t of hubs.splice(0)) await t.stop()
  })

  it('answers GET /healthz with the store health', async () => {
    const t = await start()
    const res = await fetch(`${t.url}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ ok: true, spaces: 0 })
    expect((await fetch(`${t.url}/other`)).status).toBe(404)
  })

  it('passes principal, space, change, before and after to authorize; an owner rule cannot be forged', async () => {
    const calls: Parameters<AuthorizeFn>[0][] = []
    const authorize: AuthorizeFn = (input) => {
      calls.push(input)
      if (input.action === 'read') return true
      const id = typeof input.principal === 'string' ? input.principal : input.principal.id
      return (input.before?.['owner'] ?? input.after?.['owner']) === id
    }
    const t = await start({ authorize, authenticate: ({ token }) => (token ? { id: token } : null) })
    const alice = await connectReplica(t.url, { token: 'alice' })
    const bob = await connectReplica(t.url, { token: 'bob' })
    const created = await alice.push([alice.change('cards', 'c1', 'put', { id: 'c1', owner: 'alice', title: 'A' })])
    expect(created).toMatchObject({ ok: true, rejected: [] })
    const write = calls.find((c) => c.action === 'write')
    expect(write).toMatchObject({ principal: { id: 'alice' }, space: 'team-1', after: { id: 'c1', owner: 'alice', title: 'A' } })
    expect(write?.before).toBeUndefined()
    expect(write?.change?.key).toBe('c1')
    // Bob claims the record by writing owner: bob; `before` still says alice.
    const forged = await bob.push([bob.change('cards', 'c1', 'patch', { owner: 'bob', title: 'mine' }, { base: 1 })])
    expect(forged).toMatchObject({ ok: true, rejected: [{ code: 'unauthorized' }] })
    const page = await t.store.pull('team-1', { since: 0, limit: 10, replica: 'x' })
    expect(page.records[0]?.value).toMatchObject({ owner: 'alice', title: 'A' })
    alice.close()
    bob.close()
  })

  it('fails the batch as internal, writing nothing, when a hook throws', async () => {
    const t = await start({ authorize: ({ action }) => (action === 'read' ? true : Promise.reject(new Error('auth backend down'))) })
    const a = await connectReplica(t.url)
    const response = await a.push([a.change('cards', 'c1', 'put', { id: 'c1' })])
    expect(response).toMatchObject({ ok: false, error: { code: 'internal' } })
    expect((await t.store.openSpace('team-1')).head).toBe(0)
    a.close()
  })

  it('refuses anonymous connections once authenticate is given, and names the principal', async () => {
    const t = await start({ authenticate: ({ token }) => (token === 'ok' ? 'user-7' : null) })
    expect(await refusalCode(t.url, { token: null })).toBe('unauthorized')
    const a = await connectReplica(t.url, { token: 'ok' })
    expect(a.welcome.principal).toBe('user-7')
    a.close()
  })

  it('revokes the sockets of a principal or a space', async () => {
    const t = await start({ authenticate: ({ token }) => token })
    const a1 = await connectReplica(t.url, { token: 'alice', space: 's1' })
    const a2 = await connectReplica(t.url, { token: 'alice', space: 's2' })
    const b = await connectReplica(t.url, { token: 'bob', space: 's1' })
    const gone = new Promise<string>((resolve) => a1.socket.once('disconnect', resolve))
    expect(await t.hub.revoke({ principal: { id: 'alice' }, space: 's1' })).toBe(1)
    expect(await gone).toBe('io server disconnect')
    expect(a2.socket.connected).toBe(true)
    expect(await t.hub.revoke({ space: 's1' })).toBe(1)
    expect(await t.hub.revoke({ principal: 'alice' })).toBe(1)
    await Promise.all([b, a2].map((r) => (r.socket.connected ? new Promise((resolve) => r.socket.once('disconnect', resolve)) : undefined)))
  })

  it('finishes the batch in flight on close, then disconnects and closes the store', async () => {
    let release: () => void = () => undefined
    const held = new Promise<void>((resolve) => (release = resolve))
    let entered: () => void = () => undefined
    const inHook = new Promise<void>((resolve) => (entered = resolve))
    const t = await startHub({
      authorize: async ({ action }) => {
        if (action === 'write') {
          entered()
          await held
        }
        return true
      },
    })
    const a = await connectReplica(t.url)
    const ack = a.push([a.change('cards', 'c1', 'put', { id: 'c1' })])
    await inHook
    const closing = t.hub.close()
    expect(await refusalCode(t.url, {})).not.toBe('connected')
    release()
    expect(await ack).toMatchObject({ ok: true, seq: 1 })
    await closing
    expect((await t.store.health()).ok).toBe(false)
  })

  it('attaches to an existing http server and leaves it running on close', async () => {
    const server = createServer((_req, res) => res.end('app'))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const port = (server.address() as AddressInfo).port
    const hub = await createHub({ schema, store: sqliteStore(':memory:'), server })
    expect(hub.port).toBe(port)
    const a = await connectReplica(`http://127.0.0.1:${port}`)
    expect(a.welcome.head).toBe(0)
    a.close()
    await hub.close()
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('app')
    server.close()
  })
})
