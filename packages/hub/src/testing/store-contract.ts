import { afterEach, beforeEach, describe } from 'vitest'
import { batchContract, groupContract } from './contract-batches.js'
import type { HubStoreFixture, HubStoreSetup } from './contract-kit.js'
import { lifecycleContract } from './contract-lifecycle.js'
import { pullContract } from './contract-pull.js'
import { purgeContract } from './contract-purge.js'

/**
 * The acceptance suite of `HubStore` (the guarantees in its doc comment). A store implementation's
 * test file just calls it; `setup` gives each test a fresh, empty store (and, to check identity
 * across restarts, `reopen`, which opens the same storage again after `store.close()`):
 *
 *   runHubStoreContract(async () => {
 *     const path = tempFile()
 *     return { store: sqliteStore(path), reopen: async () => sqliteStore(path), cleanup: () => rm(path) }
 *   })
 */
export function runHubStoreContract(setup: HubStoreSetup): void {
  describe('HubStore contract', () => {
    let fixture: HubStoreFixture | undefined
    const current = (): HubStoreFixture => {
      if (!fixture) throw new Error('no store: setup did not run')
      return fixture
    }
    beforeEach(async () => {
      fixture = await setup()
    })
    afterEach(async () => {
      const done = fixture
      fixture = undefined
      await done?.store.close()
      await done?.cleanup?.()
    })

    describe('spaces, identity and replicas', () => lifecycleContract(current))
    describe('batches', () => batchContract(current))
    describe('group commit', () => groupContract(current))
    describe('pull', () => pullContract(current))
    describe('purge', () => purgeContract(current))
  })
}
