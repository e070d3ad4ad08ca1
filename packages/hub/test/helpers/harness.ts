import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HubStore } from '@accord/core'
import { createHub, sqliteStore, type CreateHubOptions, type Hub } from '../../src/index.js'
import { schema } from '../fixtures/schema.js'

export interface TestHub {
  hub: Hub
  store: HubStore
  url: string
  dir: string
  stop(): Promise<void>
}

/** A real hub on 127.0.0.1, any free port, with a SQLite store in a temporary directory. */
export async function startHub(options: Partial<CreateHubOptions> = {}): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'accord-hub-test-'))
  const store = options.store ?? sqliteStore(join(dir, 'hub.db'))
  const hub = await createHub({ schema, store, port: 0, host: '127.0.0.1', ...options })
  return {
    hub,
    store,
    url: `http://127.0.0.1:${hub.port}`,
    dir,
    async stop() {
      await hub.close()
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
