/**
 * Write load for the ingest figures (P5, S1): new records cut into pushes per client, and a driver
 * that keeps a few pushes in flight per client until every one is acknowledged.
 */
import type { Change } from '@accord/core'
import { makeItem } from '../schema.js'
import type { WireClient } from './wire-client.js'

/** The pushes of each client: `total` new records, each client its own slice, `batch` per push. */
export function preparePushes(clients: WireClient[], total: number, batch: number, prefix: string): Change[][][] {
  const perClient = Math.ceil(total / clients.length)
  return clients.map((client, c) => {
    const pushes: Change[][] = []
    const to = Math.min(total, (c + 1) * perClient)
    for (let i = c * perClient; i < to; i += batch) {
      const changes: Change[] = []
      for (let j = i; j < Math.min(to, i + batch); j++) {
        const item = makeItem(j, prefix)
        changes.push(client.change('put', item.id, item))
      }
      pushes.push(changes)
    }
    return pushes
  })
}

/** Sends every client's pushes in order, `window` in flight per client; resolves on the last ack. */
export async function sendPushes(clients: WireClient[], pushes: Change[][][], window: number): Promise<void> {
  await Promise.all(
    clients.map(async (client, c) => {
      const mine = pushes[c] ?? []
      let next = 0
      const lane = async (): Promise<void> => {
        while (next < mine.length) await client.push(mine[next++] as Change[])
      }
      await Promise.all(Array.from({ length: window }, lane))
    }),
  )
}
