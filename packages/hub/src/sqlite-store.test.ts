import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runHubStoreContract } from './testing/index.js'
import { sqliteStore } from './sqlite-store.js'

runHubStoreContract(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'accord-sqlite-'))
  const path = join(dir, 'hub.db')
  return {
    store: sqliteStore(path),
    reopen: async () => sqliteStore(path),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  }
})
