import { PROTOCOL_VERSION, toWireError, validateHandshake, type Handshake } from '@accord/core'
import { WIRE_COMPACT, WIRE_ROOM_COPY, WIRE_VERBOSE, type WireEncoding } from '@accord/core/internal'
import { ConnectError } from './connect-error.js'
import type { HubContext } from './hub-context.js'
import { RateLimiter } from './limits.js'
import { isPrincipal, principalId } from './principal.js'
import type { ConnectionState, HubSocket, Principal } from './types.js'

/**
 * The handshake middleware (`io.use`), DESIGN §3 rule 1: checks the `auth` payload, the protocol
 * and schema versions, authenticates, binds the replica to the principal and authorizes reading
 * the space. On success `socket.data` holds the connection's state; on failure the client's
 * `connect_error` carries `data: { code, message }`. Nothing is written before `authorize(read)`
 * passed; then the space is created if new and the replica bound.
 */
export function handshakeMiddleware(ctx: HubContext) {
  return (socket: HubSocket, next: (error?: Error) => void): void => {
    acceptHandshake(ctx, socket).then(
      (state) => {
        socket.data = state
        next()
      },
      (error: unknown) => {
        const connectError = error instanceof ConnectError ? error : internalError(ctx, error)
        ctx.logger.info('handshake refused', { code: connectError.data.code, message: connectError.message })
        next(connectError)
      },
    )
  }
}

async function acceptHandshake(ctx: HubContext, socket: HubSocket): Promise<ConnectionState> {
  if (ctx.closing) throw new ConnectError('closed', 'the hub is shutting down')
  const handshake = checkHandshake(ctx, socket.handshake.auth)
  const principal = await authenticate(ctx, handshake, socket.handshake.headers)
  const id = principalId(principal)
  if (ctx.authorize && !(await ctx.authorize({ principal, space: handshake.space, action: 'read' }))) {
    throw new ConnectError('unauthorized', `principal ${id} may not read space ${handshake.space}`)
  }
  await ctx.store.openSpace(handshake.space)
  if ((await ctx.store.bindReplica(handshake.space, handshake.replicaId, id)) === 'taken') {
    throw new ConnectError('replica_taken', `replica ${handshake.replicaId} belongs to another principal in space ${handshake.space}`)
  }
  await refuseForeignWriters(ctx, handshake)
  const { limits } = ctx
  return {
    space: handshake.space,
    replica: handshake.replicaId,
    principal,
    principalId: id,
    writers: new Set(handshake.writers),
    declared: handshake.writers,
    pushLimiter: new RateLimiter(limits.pushesPerSecond, limits.pushBurst),
    requestLimiter: new RateLimiter(limits.requestsPerSecond, limits.requestBurst),
    wire: negotiateWire(handshake.wire),
  }
}

/** A replica announces the highest encoding it speaks; this hub speaks up to `wire: 3`. */
function negotiateWire(announced: number | undefined): WireEncoding {
  const wire = announced ?? WIRE_VERBOSE
  return wire >= WIRE_ROOM_COPY ? WIRE_ROOM_COPY : wire >= WIRE_COMPACT ? WIRE_COMPACT : WIRE_VERBOSE
}

/**
 * A connection may declare only writers that are new or bound to its own replica. Writer ids are
 * broadcast in commits, so without this check any member of a space could declare another
 * replica's writer: its values would never conflict with theirs ("own writer" rule), and the
 * declaration would displace their connection.
 */
async function refuseForeignWriters(ctx: HubContext, handshake: Handshake): Promise<void> {
  if (handshake.writers.length === 0) return
  const { writers } = await ctx.store.readForDecision(handshake.space, { records: [], writers: handshake.writers, conflicts: [] })
  const foreign = writers.find((w) => w.replica !== handshake.replicaId)
  if (foreign) throw new ConnectError('foreign_writer', `writer ${foreign.writer} belongs to another replica`)
}

/** Versions first (a newer client may send a handshake of another shape), then the shape. */
function checkHandshake(ctx: HubContext, auth: unknown): Handshake {
  const declared = typeof auth === 'object' && auth !== null ? (auth as { protocol?: unknown }).protocol : undefined
  if (typeof declared === 'number' && Number.isInteger(declared)) versionCheck('protocol', declared, PROTOCOL_VERSION)
  const checked = validateHandshake(auth)
  if (!checked.ok) throw new ConnectError(checked.error.code, checked.error.message)
  versionCheck('schema', checked.value.schemaVersion, ctx.schema.version)
  return checked.value
}

function versionCheck(what: 'protocol' | 'schema', client: number, hub: number): void {
  if (client < hub) throw new ConnectError('client_too_old', `${what} version ${client} is older than the hub's ${hub}`)
  if (client > hub) throw new ConnectError('hub_too_old', `${what} version ${client} is newer than the hub's ${hub}`)
}

async function authenticate(ctx: HubContext, handshake: Handshake, headers: HubSocket['handshake']['headers']): Promise<Principal> {
  if (!ctx.authenticate) return 'anonymous'
  const principal = await ctx.authenticate({ token: handshake.token, space: handshake.space, replicaId: handshake.replicaId, headers })
  if (principal === null) throw new ConnectError('unauthorized', handshake.token === null ? 'a token is required' : 'the token was refused')
  if (!isPrincipal(principal)) throw new Error('authenticate returned neither null, a non-empty string nor { id }')
  return principal
}

function internalError(ctx: HubContext, error: unknown): ConnectError {
  ctx.logger.error('handshake failed', { error })
  return new ConnectError('internal', toWireError(error).message)
}
