import { PROTOCOL_VERSION } from '@accord/core'
import { roomsOf, spaceRoom } from './broadcast.js'
import type { HubContext } from './hub-context.js'
import { wireLimits } from './limits.js'
import { registerPullHandlers } from './pull-handler.js'
import { registerPushHandler } from './push-handler.js'
import { registerUnknownEventHandler } from './request.js'
import type { HubSocket } from './types.js'

/**
 * A socket that passed the handshake: takes its writers over from older connections, registers
 * its handlers, joins the space's room, and only then reads the head and watermarks it is told in
 * `welcome` (so no commit settled after that read can miss it).
 */
export function onConnection(ctx: HubContext, socket: HubSocket): void {
  const state = socket.data
  for (const older of ctx.registry.open(state.space, socket.id, state.declared)) {
    ctx.logger.info('writer handed over; disconnecting the older connection', { space: state.space, socket: older })
    ctx.io.sockets.sockets.get(older)?.disconnect(true)
  }
  if (ctx.clustered) void handOverAcrossProcesses(ctx, socket)
  socket.on('disconnect', (reason) => {
    ctx.registry.close(state.space, socket.id)
    ctx.logger.debug('disconnected', { space: state.space, replica: state.replica, reason })
  })
  registerPushHandler(ctx, socket)
  registerPullHandlers(ctx, socket)
  registerUnknownEventHandler(socket)
  // Every socket is in the space's room (heads, handovers); compact ones also in their encoding's
  // room (and `wire: 3` ones in their replica's), so each batch is encoded once per form, never
  // once per socket.
  void socket.join(roomsOf(state.space, state.replica, state.wire))
  ctx.logger.debug('connected', { space: state.space, replica: state.replica, principal: state.principalId })
  void sendWelcome(ctx, socket)
}

/**
 * The registry sees this process only; with several hub processes an older connection holding the
 * new one's writer may sit on another, so ask them all through the adapter.
 */
async function handOverAcrossProcesses(ctx: HubContext, socket: HubSocket): Promise<void> {
  const state = socket.data
  try {
    for (const other of await ctx.io.in(spaceRoom(state.space)).fetchSockets()) {
      const own = other.data.declared?.[0]
      if (other.id === socket.id || other.data.replica !== state.replica || own === undefined || !state.declared.includes(own)) continue
      ctx.logger.info('writer handed over across processes; disconnecting the older connection', { space: state.space, socket: other.id })
      other.disconnect(true)
    }
  } catch (error) {
    ctx.logger.warn('could not look for older connections on other hub processes', { space: state.space, error })
  }
}

async function sendWelcome(ctx: HubContext, socket: HubSocket): Promise<void> {
  const state = socket.data
  try {
    const info = await ctx.store.openSpace(state.space)
    const watermarks = await ctx.store.watermarks(state.space, [...state.writers])
    if (!socket.connected) return
    const hubTime = Date.now()
    state.epoch = hubTime
    socket.emit('welcome', {
      v: PROTOCOL_VERSION,
      storeId: info.storeId,
      head: info.head,
      hubTime,
      principal: state.principalId,
      watermarks,
      limits: wireLimits(ctx.limits),
      prevOnDemand: true,
    })
  } catch (error) {
    ctx.logger.error('could not welcome a connection', { space: state.space, error })
    socket.disconnect(true)
  }
}
