import { PROTOCOL_VERSION, type Change, type Commit, type PushResponse } from '@accord/core'
import { decodeWireCommits, encodeWirePush, type WirePush } from '@accord/core/internal'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AuthenticateFn, AuthorizeFn } from '../src/index.js'
import { startHub, storeState, type TestHub } from './helpers/harness.js'
import { storeFactories } from './helpers/store-factories.js'
import { ACK_TIMEOUT_MS, connectReplica, openSocket, refusalCode, type ConnectOptions, type TestReplica } from './helpers/test-replica.js'

const SPACE = 'team-1'
const TOKENS: Record<string, string> = { secret: 'u1', other: 'u2', reader: 'reader' }
const authenticate: AuthenticateFn = ({ token }) => (token !== null && TOKENS[token] ? { id: TOKENS[token] } : null)
const authorize: AuthorizeFn = ({ principal, space, action }) => {
  if (space === 'forbidden-space') return false
  return action === 'read' || (typeof principal === 'string' ? principal : principal.id) !== 'reader'
}

let t: TestHub
let owner: TestReplica

/** What one hostile input got back: a code from an ack, a rejection or a connect error. */
async function pushCode(build: (r: TestReplica) => unknown, options: ConnectOptions = {}): Promise<string> {
  const replica = await connectReplica(t.url, { space: SPACE, ...options })
  try {
    const response = await replica.push(build(replica))
    return codeOf(response)
  } finally {
    replica.close()
  }
}

function codeOf(response: PushResponse | { ok: boolean; error?: { code: string } }): string {
  if (!response.ok) return (response as { error: { code: string } }).error.code
  return (response as Extract<PushResponse, { ok: true }>).rejected[0]?.code ?? 'ok'
}

async function rawCode(send: (r: TestReplica) => Promise<unknown>): Promise<string> {
  const replica = await connectReplica(t.url, { space: SPACE })
  try {
    return codeOf((await send(replica)) as PushResponse)
  } finally {
    replica.close()
  }
}

/** A compact push (`wire: 2`) sent as it is, from a connection that announced `wire` (2 unless told). */
async function compactCode(build: (r: TestReplica) => unknown, options: ConnectOptions = {}): Promise<string> {
  const replica = await connectReplica(t.url, { space: SPACE, wire: 2, ...options })
  try {
    return codeOf(await replica.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('push', build(replica) as WirePush))
  } finally {
    replica.close()
  }
}

/** The compact form of these changes on this replica's connection. */
const compact = (r: TestReplica, changes: Change[]): WirePush => encodeWirePush({ v: PROTOCOL_VERSION, changes }, { replica: r.replicaId, writers: [r.writer], epoch: r.welcome.hubTime })

/** A compact push of one put with one element of its tuple replaced. */
const tampered = (r: TestReplica, index: number, value: unknown): WirePush => {
  const [tuple] = compact(r, [put(r, { title: 'x' })]) as [unknown[]]
  tuple[index] = value
  return [tuple]
}

const put = (r: TestReplica, set: Record<string, unknown>, extra: Partial<Change> & { open?: boolean } = {}): Change =>
  r.change('cards', `k-${r.replicaId}`, 'put', { id: `k-${r.replicaId}`, ...set } as Change['set'], extra)

interface HostileCase {
  name: string
  code: string
  /** No-op commits a settled rejection leaves (one per change of the refused transaction); 0 for a refused message. */
  headDelta?: number
  run: () => Promise<string>
}

const cases: HostileCase[] = [
  { name: 'missing token', code: 'unauthorized', run: () => refusalCode(t.url, { token: null }) },
  { name: 'bad token', code: 'unauthorized', run: () => refusalCode(t.url, { token: 'guess' }) },
  { name: 'protocol too old', code: 'client_too_old', run: () => refusalCode(t.url, { protocol: 0 }) },
  { name: 'protocol too new', code: 'hub_too_old', run: () => refusalCode(t.url, { protocol: PROTOCOL_VERSION + 1 }) },
  { name: 'schema too old', code: 'client_too_old', run: () => refusalCode(t.url, { schemaVersion: 2 }) },
  { name: 'schema too new', code: 'hub_too_old', run: () => refusalCode(t.url, { schemaVersion: 4 }) },
  { name: 'malformed handshake', code: 'malformed', run: () => refusalCode(t.url, { auth: { hello: 'world' } }) },
  { name: 'handshake with a non-id replicaId', code: 'malformed', run: () => refusalCode(t.url, { replicaId: '../../etc/passwd' }) },
  { name: 'space the principal may not read', code: 'unauthorized', run: () => refusalCode(t.url, { space: 'forbidden-space' }) },
  { name: 'replica of another principal', code: 'replica_taken', run: () => refusalCode(t.url, { replicaId: 'owner', token: 'other' }) },
  { name: 'push payload not an object', code: 'malformed', run: () => pushCode(() => 'DROP TABLE records') },
  { name: 'changes not an array', code: 'malformed', run: () => pushCode(() => ({ v: PROTOCOL_VERSION, changes: 5 })) },
  { name: 'push of another protocol version', code: 'malformed', run: () => pushCode((r) => ({ v: 99, changes: [put(r, {})] })) },
  { name: 'change missing its fields', code: 'malformed', run: () => pushCode(() => [{ col: 'cards', key: 'x', op: 'put' }]) },
  { name: 'change with a bad HLC', code: 'malformed', run: () => pushCode((r) => [put(r, {}, { hlc: 'tomorrow' })]) },
  { name: 'unknown collection', code: 'unknown_collection', run: () => pushCode((r) => [r.change('users', 'u', 'put', { id: 'u' })]) },
  { name: 'change naming another replica', code: 'foreign_writer', run: () => pushCode((r) => [put(r, {}, { replica: 'owner' })]) },
  { name: "another replica's writer", code: 'foreign_writer', run: () => pushCode((r) => [put(r, {}, { writer: owner.writer, n: 4 })]) },
  { name: 'out of order', code: 'out_of_order', run: () => pushCode((r) => [put(r, {}, { n: 5 })]) },
  { name: 'batch ending inside a transaction', code: 'tx_split', run: () => pushCode((r) => [put(r, {}, { open: true })]) },
  { name: 'too many changes', code: 'too_many_changes', run: () => pushCode((r) => Array.from({ length: 6 }, (_, i) => r.change('cards', `m${i}`, 'put', { id: `m${i}` }))) },
  { name: 'batch over batchBytes', code: 'payload_too_large', run: () => pushCode((r) => [put(r, { title: 'x'.repeat(25_000) })]) },
  { name: 'counter field sent as a value', code: 'malformed', run: () => pushCode((r) => [put(r, { votes: 1_000_000 })]) },
  { name: '__proto__ as a field', code: 'malformed', run: () => pushCode((r) => [put(r, JSON.parse('{"__proto__": {"admin": true}}') as Record<string, unknown>)]) },
  { name: 'value nested 200 deep', code: 'malformed', run: () => pushCode((r) => [put(r, { deep: nest(200) })]) },
  { name: 'wire not a number in the handshake', code: 'malformed', run: () => refusalCode(t.url, { wire: 'compact' }) },
  { name: 'compact push on a connection that did not announce wire 2', code: 'malformed', run: () => compactCode((r) => compact(r, [put(r, {})]), { wire: undefined }) },
  { name: 'compact push with unknown flags', code: 'malformed', run: () => compactCode((r) => tampered(r, 0, 2 ** 20)) },
  { name: 'compact push with put and delete flags at once', code: 'malformed', run: () => compactCode((r) => tampered(r, 0, 4 | 8 | 4096 | 8192 | 1)) },
  { name: 'compact push with a tuple cut short', code: 'malformed', run: () => compactCode((r) => [(compact(r, [put(r, {})])[0] as unknown[]).slice(0, 4)]) },
  { name: 'compact push with a trailing element', code: 'malformed', run: () => compactCode((r) => [[...(compact(r, [put(r, {})])[0] as unknown[]), 'extra']]) },
  { name: 'compact push with an HLC before 1970', code: 'malformed', run: () => compactCode((r) => tampered(r, 4, -(r.welcome.hubTime + 1))) },
  { name: 'compact push with an HLC counter out of range', code: 'malformed', run: () => compactCode((r) => tampered(r, 4, [0, 70_000])) },
  { name: 'compact push with a bad collection', code: 'unknown_collection', run: () => compactCode((r) => tampered(r, 1, 'users')) },
  { name: 'compact push with a key that is not a string', code: 'malformed', run: () => compactCode((r) => tampered(r, 2, { $gt: '' })) },
  { name: 'compact push naming another replica', code: 'foreign_writer', run: () => compactCode((r) => compact(r, [put(r, {}, { replica: 'owner' })])) },
  { name: "compact push with another replica's writer", code: 'foreign_writer', run: () => compactCode((r) => compact(r, [put(r, {}, { writer: owner.writer, n: 4 })])) },
  { name: 'compact push out of order', code: 'out_of_order', run: () => compactCode((r) => compact(r, [put(r, {}, { n: 5 })])) },
  { name: 'compact push ending inside a transaction', code: 'tx_split', run: () => compactCode((r) => compact(r, [put(r, {}, { open: true })])) },
  { name: 'compact push of too many changes', code: 'too_many_changes', run: () => compactCode((r) => compact(r, Array.from({ length: 6 }, (_, i) => r.change('cards', `m${i}`, 'put', { id: `m${i}` })))) },
  { name: 'compact push over batchBytes', code: 'payload_too_large', run: () => compactCode((r) => compact(r, [put(r, { title: 'x'.repeat(25_000) })])) },
  { name: 'compact push with __proto__ as a field', code: 'malformed', run: () => compactCode((r) => compact(r, [put(r, JSON.parse('{"__proto__": {"admin": true}}') as Record<string, unknown>)])) },
  { name: 'unknown event', code: 'malformed', run: () => rawCode((r) => r.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('drop_tables' as 'head')) },
  { name: 'push with extra arguments', code: 'malformed', run: () => rawCode((r) => (r.socket.timeout(ACK_TIMEOUT_MS) as unknown as { emitWithAck(...a: unknown[]): Promise<unknown> }).emitWithAck('push', { v: 1, changes: [] }, 'extra')) },
  { name: 'pull with a negative cursor', code: 'bad_cursor', run: () => rawCode((r) => r.pull(-1)) },
  { name: 'pull with a fractional cursor', code: 'bad_cursor', run: () => rawCode((r) => r.pull(1.5)) },
  { name: 'pull past the head', code: 'bad_cursor', run: () => rawCode((r) => r.pull(1e15)) },
  { name: 'pull with a negative limit', code: 'malformed', run: () => rawCode((r) => r.pull(0, -1)) },
  { name: 'record over recordBytes (transaction rejected)', code: 'payload_too_large', headDelta: 1, run: () => pushCode((r) => [put(r, { title: 'x'.repeat(3_000) })]) },
  { name: 'record failing the schema (transaction rejected)', code: 'validation_failed', headDelta: 2, run: () => pushCode((r) => [put(r, { title: 'ok' }, { open: true }), r.change('cards', 'z', 'put', { id: 'z', title: 5 })]) },
  { name: 'write authorize refuses (transaction rejected)', code: 'unauthorized', headDelta: 1, run: () => pushCode((r) => [put(r, { title: 'mine' })], { token: 'reader' }) },
  { name: 'patch of a record that does not exist (transaction rejected)', code: 'missing_record', headDelta: 1, run: () => pushCode((r) => [r.change('cards', 'nope', 'patch', { title: 'x' })]) },
  { name: 'record on which the validator throws (transaction rejected)', code: 'validation_failed', headDelta: 1, run: () => pushCode((r) => [r.change('fragile', 'f', 'put', { id: 'f', explode: true })]) },
  { name: 'message over maxHttpBufferSize (connection closed)', code: 'transport close', run: () => oversizeMessage() },
  { name: 'flood of pushes', code: 'rate_limited', run: () => flood() },
]

function nest(depth: number): unknown {
  let value: unknown = 'bottom'
  for (let i = 0; i < depth; i++) value = { down: value }
  return value
}

/** A message larger than Socket.IO's buffer: the hub closes the connection before parsing it. */
async function oversizeMessage(): Promise<string> {
  const replica = await connectReplica(t.url, { space: SPACE })
  const reason = new Promise<string>((resolve) => replica.socket.once('disconnect', resolve))
  replica.socket.emit('push', { v: PROTOCOL_VERSION, changes: [put(replica, { title: 'x'.repeat(60_000) })] }, () => undefined)
  return reason
}

/** Twenty pushes at once against a bucket of five: the surplus is refused before it is read. */
async function flood(): Promise<string> {
  const replica = await connectReplica(t.url, { space: SPACE })
  try {
    const codes = await Promise.all(Array.from({ length: 20 }, () => replica.push({ v: PROTOCOL_VERSION, changes: 'garbage' }).then(codeOf)))
    const limited = codes.filter((c) => c === 'rate_limited').length
    expect(limited).toBeGreaterThanOrEqual(10)
    expect(codes.filter((c) => c !== 'rate_limited').every((c) => c === 'malformed')).toBe(true)
    return 'rate_limited'
  } finally {
    replica.close()
  }
}

describe.each(storeFactories)('hostile input on $name', (storeFactory) => {
  beforeAll(async () => {
    t = await startHub({
      storeFactory,
      authenticate,
      authorize,
      limits: { batchChanges: 5, batchBytes: 20_000, recordBytes: 2_000, messageBytes: 40_000, pushesPerSecond: 5, pushBurst: 5 },
    })
    owner = await connectReplica(t.url, { space: SPACE, replicaId: 'owner', writers: ['owner-w'] })
    const seeded = await owner.push([owner.change('cards', 'c1', 'put', { id: 'c1', title: 'one' }), owner.change('cards', 'c2', 'put', { id: 'c2', title: 'two' }), owner.change('notes', 'n1', 'put', { id: 'n1' })])
    expect(seeded.ok).toBe(true)
  })
  afterAll(async () => {
    owner.close()
    await t.stop()
  })

  it('has at least 15 kinds of hostile input', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15)
  })

  it.each(cases)('$name → $code, store unchanged', async ({ code, headDelta = 0, run }) => {
    const before = (await storeState(t.store, SPACE)) as { head: number; records: unknown; conflicts: unknown }
    expect(await run()).toBe(code)
    const after = (await storeState(t.store, SPACE)) as typeof before
    expect(after.records).toEqual(before.records)
    expect(after.conflicts).toEqual(before.conflicts)
    expect(after.head).toBe(before.head + headDelta)
    // The hub is still up and serving others.
    expect(await owner.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('head')).toEqual({ ok: true, head: after.head })
  })

  it('settles a compact push and broadcasts it compact to compact sockets, logical to the others', async () => {
    const replica = await connectReplica(t.url, { space: SPACE, wire: 2 })
    try {
      const key = `compact-${replica.replicaId}`
      const response = await replica.socket.timeout(ACK_TIMEOUT_MS).emitWithAck('push', compact(replica, [replica.change('cards', key, 'put', { id: key, title: 'ünï 😀' })]))
      expect(codeOf(response)).toBe('ok')
      await replica.waitForCommit((c) => c.key === key)
      expect(replica.raw.length).toBe(1)
      const decoded = decodeWireCommits(replica.raw[0])
      const mine = decoded.ok ? decoded.value.commits[0] : undefined
      expect(mine).toMatchObject({ key, set: { id: key, title: 'ünï 😀' }, by: replica.replicaId, writer: replica.writer, through: 1, tx: 1 })
      const logical = await owner.waitForCommit((c) => c.key === key)
      expect(owner.raw.every((m) => !Array.isArray(m))).toBe(true)
      expect(mine).toEqual(JSON.parse(JSON.stringify(logical)) as Commit)
    } finally {
      replica.close()
    }
  })

  it('replaces a clock far ahead with its own rather than refusing the change', async () => {
    const replica = await connectReplica(t.url, { space: SPACE })
    const farAhead = `${(Date.now() + 365 * 24 * 3600_000).toString(16).padStart(12, '0')}-0000-${replica.replicaId}`
    const response = await replica.push([replica.change('cards', 'future', 'put', { id: 'future', title: 'later' }, { hlc: farAhead })])
    expect(codeOf(response)).toBe('ok')
    const commit = await replica.waitForCommit((c) => c.key === 'future')
    expect(commit.hlc['title']).toMatch(/-hub$/)
    expect(commit.hlc['title']! < farAhead).toBe(true)
    replica.close()
  })

  it('drops a push that asks for no acknowledgement without writing anything', async () => {
    const before = await storeState(t.store, SPACE)
    const socket = openSocket(t.url, { protocol: 1, schemaVersion: 3, replicaId: 'silent', writers: ['sw'], space: SPACE, token: 'secret' })
    await new Promise<void>((resolve) => socket.once('welcome', () => resolve()))
    ;(socket as unknown as { emit(event: string, payload: unknown): void }).emit('push', { v: 1, changes: 'nope' })
    // A later request on the same socket is answered, so the first one has been handled by then.
    expect(await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('head')).toMatchObject({ ok: true })
    socket.disconnect()
    expect(await storeState(t.store, SPACE)).toEqual(before)
  })
})
