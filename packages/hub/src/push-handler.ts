import { toWireError, validatePushRequest, type PushResponse } from '@accord/core'
import { broadcastBatch } from './broadcast.js'
import { logicalPush } from './wire.js'
import type { HubContext } from './hub-context.js'
import { failure, onRaw, splitRequest, type Ack } from './request.js'
import type { HubSocket } from './types.js'

/**
 * `push`: rate limit, validate, settle the batch (one per space at a time; pushes waiting for the
 * same space share one store write), broadcast its commits, then acknowledge. A refused push
 * writes nothing and is answered `{ ok: false, error }`.
 */
export function registerPushHandler(ctx: HubContext, socket: HubSocket): void {
  onRaw(socket, 'push', (...args) => {
    const request = splitRequest<PushResponse>(args, 1)
    if (!request) return
    void ctx.inflight.track(handlePush(ctx, socket, request.extra ? undefined : request.payload).then(request.ack, (error: unknown) => {
      ctx.logger.error('push failed', { space: socket.data.space, error })
      request.ack(failure('internal', toWireError(error).message))
    }))
  })
}

async function handlePush(ctx: HubContext, socket: HubSocket, payload: unknown): Promise<PushResponse> {
  const state = socket.data
  if (!state.pushLimiter.take()) return failure('rate_limited', `more than ${ctx.limits.pushesPerSecond} pushes per second`)
  if (ctx.closing) return failure('closed', 'the hub is shutting down')
  const decoded = logicalPush(state, payload)
  if (!decoded.ok) return decoded
  const checked = validatePushRequest(decoded.value, ctx.limits)
  if (!checked.ok) return { ok: false, error: checked.error }
  const { changes } = checked.value
  // Broadcast as the batch settles, in its space's turn, so the room hears batches in seq order.
  const outcome = await ctx.ingest.run(
    { space: state.space, changes, connection: { replica: state.replica, writers: state.writers }, principal: state.principal },
    (decision) => broadcastBatch(ctx.io, socket, state.space, decision.commits, ctx.clustered),
  )
  if (!outcome.ok) return outcome
  const { decision } = outcome
  for (const { writer } of decision.writers) state.writers.add(writer)
  return { ok: true, ...decision.ack }
}
