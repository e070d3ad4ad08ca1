import { createServer } from 'node:http'
import { Server } from 'socket.io'
import { afterEach, describe, expect, it } from 'vitest'
import { connectRedisBroadcast, type RedisBroadcast } from '../../src/cluster/redis-broadcast.js'
import { until } from '../helpers/harness.js'
import { REDIS_URL } from '../helpers/postgres.js'
import { startDelayProxy, type DelayProxy } from './helpers/delay-proxy.js'

describe('the Redis broadcast link', () => {
  const cleanup: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step()
  })

  it('survives the connection dropping while broadcasts wait for their replies', async () => {
    const proxy: DelayProxy = await startDelayProxy(Number(new URL(REDIS_URL).port || 6379), 200)
    cleanup.push(() => proxy.close())
    const errors: unknown[] = []
    const broadcast: RedisBroadcast = await connectRedisBroadcast({
      url: `redis://127.0.0.1:${proxy.port}`,
      key: `accord-test-link-${process.pid}`,
      onEvent: (event, error) => event === 'error' && errors.push(error),
    })
    cleanup.push(() => broadcast.close())
    const io = new Server(createServer(), { adapter: broadcast.adapter })
    cleanup.push(() => void io.close())
    for (let i = 0; i < 20; i++) io.to('space:x').emit('head', { v: 1, head: i }) // PUBLISHes, replies 200 ms away
    proxy.cut()
    // Without a handler on those PUBLISH promises, this process would now end on an unhandled
    // rejection (vitest fails the run on one).
    await until(() => errors.length > 0 && !broadcast.health().ok, 5000, 'the drop to be reported')
    proxy.heal()
    await until(() => broadcast.health().ok, 10_000, 'the link to come back')
    expect(broadcast.health()).toMatchObject({ kind: 'redis', ok: true })
  })
})
