import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HubStore } from '@accord/core'
import { createHub, type CreateHubOptions, type Hub } from '../../src/index.js'
import { schema } from '../fixtures/schema.js'
import { storeFactories, type OpenedStore, type StoreFactory } from './store-factories.js'

export interface TestHub {
  hub: Hub
  store: HubStore
  url: string
  dir: string
  stop(): Promise<void>
}

/**
 * A real hub on 127.0.0.1, any free port, on `options.store`, or else on a fresh store of
 * `storeFactory` (default: SQLite in a temporary directory).
 */
export async function startHub(options: Partial<CreateHubOptions> & { storeFactory?: StoreFactory } = {}): Promise<TestHub> {
  const { storeFactory = storeFactories.find((f) => f.name === 'sqlite'), ...hubOptions } = options
  const dir = mkdtempSync(join(tmpdir(), 'accord-hub-test-'))
  const opened: OpenedStore = hubOptions.store
    ? { store: hubOptions.store, drop: async () => undefined }
    : await (storeFactory ?? (storeFactories[0] as StoreFactory)).open(dir)
  const hub = await createHub({ schema, store: opened.store, port: 0, host: '127.0.0.1', ...hubOptions })
  return {
    hub,
    store: opened.store,
    url: `http://127.0.0.1:${hub.port}`,
    dir,
    async stop() {
      await hub.close()
      await opened.drop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Everything the store holds for a space, as a replica could see it: compare before and after. */
export async function storeState(store: HubStore, space: string): Promise<unknown> {
  const info = await store.openSpace(space)
  const page = await store.pull(space, { since: 0, limit: 100_000, replica: '*observer*' })
  return { head: info.head, records: page.records, conflicts: page.conflicts }
}

/** Polls `check` until it returns true, at most `timeoutMs`: for conditions that have no event. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
