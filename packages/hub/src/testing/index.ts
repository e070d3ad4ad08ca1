// '@accord/hub/testing': the HubStore acceptance suite for store implementations (needs vitest).
export { runHubStoreContract } from './store-contract.js'
export type { HubStoreFixture, HubStoreSetup } from './contract-kit.js'
