import type { ServeOptions } from '../cli-args.js'
import { createHub } from '../create-hub.js'
import { loadSchema } from '../load-schema.js'
import type { Logger } from '../logger.js'
import type { Hub } from '../types.js'
import { withNodeHealth } from './node-health.js'
import { openStore } from './open-store.js'
import { connectRedisBroadcast, type RedisBroadcast } from './redis-broadcast.js'

/** A running `accord-hub`: one hub, alone or as a node of a cluster. */
export interface HubNode {
  hub: Hub
  /** Closes the hub (batches in flight finish, sockets are told), then the Redis connections. */
  close(): Promise<void>
}

/**
 * Starts what the CLI's options describe: the store (migrated, for PostgreSQL), the Redis adapter
 * when `redis` is set, and the hub, whose `/healthz` reports both.
 */
export async function startHubNode(options: ServeOptions, logger: Logger): Promise<HubNode> {
  const schema = await loadSchema(options.schema)
  const store = await openStore(options.store)
  let broadcast: RedisBroadcast | undefined
  try {
    if (options.redis) {
      broadcast = await connectRedisBroadcast({
        ...options.redis,
        onEvent: (event, error) => (event === 'error' ? logger.warn('redis connection failed', { error }) : logger.info(`redis ${event}`)),
      })
    }
    const hub = await createHub({
      schema,
      store: withNodeHealth(store, options.store.kind, broadcast?.health),
      port: options.port,
      logger,
      ...(broadcast ? { adapter: broadcast.adapter } : {}),
      ...(options.host === undefined ? {} : { host: options.host }),
      ...(options.cors.length ? { cors: { origin: options.cors.includes('*') ? true : options.cors } } : {}),
    })
    return {
      hub,
      close: async () => {
        await hub.close()
        await broadcast?.close()
      },
    }
  } catch (error) {
    await broadcast?.close()
    await store.close()
    throw error
  }
}
