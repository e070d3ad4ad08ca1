import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe } from 'vitest'
import { runHubStoreContract } from './testing/index.js'
import { sqliteStore } from './sqlite-store.js'

// Batches written by the writer thread (the default for a file), and on the hub's own connection.
describe.each([true, false])('writeThread: %s', (writeThread) => {
  runHubStoreContract(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accord-sqlite-'))
    const path = join(dir, 'hub.db')
    return {
      store: sqliteStore(path, { writeThread }),
      reopen: async () => sqliteStore(path, { writeThread }),
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    }
  })
})
