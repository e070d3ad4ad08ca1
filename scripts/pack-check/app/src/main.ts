import { AccordError, openReplica } from '@accord/client'
import { schema } from './schema'

async function main(): Promise<void> {
  const db = await openReplica({
    name: 'pack-check',
    schema,
    worker: () => new SharedWorker(new URL('./accord.worker.ts', import.meta.url), { type: 'module' }),
    // Nothing listens there: openReplica resolves anyway (offline-first).
    hub: { url: 'http://127.0.0.1:9', space: 'team-1', token: async () => 'secret' },
  })
  const cards = db.collection('cards')
  const id = new URLSearchParams(location.search).get('write')
  if (id) {
    await cards.put({ id, listId: 'l1', title: 'packed', votes: 0, tags: [] })
    await cards.increment(id, 'votes', 2)
  }
  const all = await cards.find({ where: { listId: 'l1' } })
  const error = await cards.update('missing', { title: 'x' }).catch((e: unknown) => e)
  const code = error instanceof AccordError ? error.code : 'no AccordError'
  document.title = `ok ${JSON.stringify({ ids: all.map((c) => c.id), votes: all[0]?.votes ?? null, code, connection: db.status.connection })}`
}

main().catch((error: unknown) => {
  document.title = `error ${error instanceof Error ? error.message : String(error)}`
})
