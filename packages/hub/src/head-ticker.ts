import { PROTOCOL_VERSION } from '@accord/core'
import { spaceRoom } from './broadcast.js'
import type { HubContext } from './hub-context.js'

/**
 * Every `intervalMs`, tells each space's room its head (DESIGN §3 rule 5): a replica that missed
 * the last broadcast of a quiet space sees it is behind and pulls. The same tick purges tombstones
 * and closed conflicts past the retention period. Returns the stop function.
 */
export function startHeadTicker(ctx: HubContext, intervalMs: number): () => void {
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) throw new RangeError(`headIntervalMs must be positive, got ${intervalMs}`)
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    void emitHeads(ctx).finally(() => {
      running = false
    })
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}

/** Purges what outlived `limits.retentionMs`, in the space's batch queue so no batch races it. */
async function purgeExpired(ctx: HubContext, space: string, head: number): Promise<void> {
  const now = Date.now()
  ctx.retention.sample(space, head, now)
  const through = ctx.retention.purgeable(space, now)
  if (through === undefined || through === 0) return
  await ctx.batches.run(space, () => ctx.store.purge(space, through))
}

async function emitHeads(ctx: HubContext): Promise<void> {
  for (const space of ctx.registry.activeSpaces()) {
    if (ctx.closing) return
    try {
      const { head } = await ctx.store.openSpace(space)
      // Each process tells its own sockets: through the adapter, N processes would send N heads.
      ctx.io.local.to(spaceRoom(space)).emit('head', { v: PROTOCOL_VERSION, head })
      await purgeExpired(ctx, space, head)
    } catch (error) {
      ctx.logger.warn('could not read a head to announce', { space, error })
    }
  }
}
