import { PROTOCOL_VERSION, retentionExpired, toWireError, validatePullRequest, type HeadResponse, type PullResponse } from '@accord/core'
import type { WirePage } from '@accord/core/internal'
import type { HubContext } from './hub-context.js'
import { failure, onRaw, splitRequest } from './request.js'
import { pullAnswer } from './wire.js'
import type { HubSocket } from './types.js'

/** `pull` (one page of catch-up, DESIGN §3 rule 6) and `head` (the space's last seq). */
export function registerPullHandlers(ctx: HubContext, socket: HubSocket): void {
  onRaw(socket, 'pull', (...args) => {
    const request = splitRequest<PullResponse | WirePage>(args, 1)
    if (!request) return
    const answer = (response: PullResponse): void => request.ack(pullAnswer(socket.data, response))
    void ctx.inflight.track(handlePull(ctx, socket, request.extra ? undefined : request.payload).then(answer, (error: unknown) => {
      ctx.logger.error('pull failed', { space: socket.data.space, error })
      request.ack(failure('internal', toWireError(error).message))
    }))
  })
  onRaw(socket, 'head', (...args) => {
    const request = splitRequest<HeadResponse>(args, 0)
    if (!request) return
    void ctx.inflight.track(handleHead(ctx, socket, request.extra).then(request.ack, (error: unknown) => {
      ctx.logger.error('head failed', { space: socket.data.space, error })
      request.ack(failure('internal', toWireError(error).message))
    }))
  })
}

async function handlePull(ctx: HubContext, socket: HubSocket, payload: unknown): Promise<PullResponse> {
  const state = socket.data
  if (!state.requestLimiter.take()) return failure('rate_limited', `more than ${ctx.limits.requestsPerSecond} requests per second`)
  if (ctx.closing) return failure('closed', 'the hub is shutting down')
  // A limit above the hub's cap is lowered, not refused: replicas are not told the cap.
  const checked = validatePullRequest(payload, { maxLimit: Number.MAX_SAFE_INTEGER })
  if (!checked.ok) return { ok: false, error: checked.error }
  const { since, cols, horizon } = checked.value
  const origin = checked.value.origin ?? since
  const limit = Math.min(checked.value.limit, ctx.limits.pullLimit)
  // A purge may land between reading the horizon and reading the page: read it again after the
  // page and retry when it moved, so the horizon sent back is the one the page was read under.
  for (let attempt = 0; attempt < 3; attempt++) {
    const info = await ctx.store.openSpace(state.space)
    if (since > info.head) return failure('bad_cursor', `cursor ${since} is past the head ${info.head}; pull from 0`, { head: info.head })
    const expired = retentionExpired({ since, origin, horizon }, info.purgedThrough)
    if (expired) return failure('cursor_expired', `${expired}; pull from 0`, { purgedThrough: info.purgedThrough })
    const page = await ctx.store.pull(state.space, { since, limit, replica: state.replica, ...(cols ? { cols } : {}) })
    const after = await ctx.store.openSpace(state.space)
    if (after.purgedThrough === info.purgedThrough) return { ok: true, v: PROTOCOL_VERSION, ...page, purgedThrough: info.purgedThrough }
  }
  return failure('cursor_expired', 'history kept being purged during this pull; pull from 0', {})
}


async function handleHead(ctx: HubContext, socket: HubSocket, extra: boolean): Promise<HeadResponse> {
  if (!socket.data.requestLimiter.take()) return failure('rate_limited', `more than ${ctx.limits.requestsPerSecond} requests per second`)
  if (extra) return failure('malformed', 'head takes no arguments')
  if (ctx.closing) return failure('closed', 'the hub is shutting down')
  const info = await ctx.store.openSpace(socket.data.space)
  return { ok: true, head: info.head }
}
