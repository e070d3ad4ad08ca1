import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { spawnHubCli, type HubProcess } from '../helpers/hub-process.js'
import { PG_URL, dropSchema, freshSchemaName } from '../helpers/postgres.js'
import { connectReplica } from '../helpers/test-replica.js'

const HUB_DIR = fileURLToPath(new URL('../../', import.meta.url))
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

/** `accord-hub --reset-store-ids …`, run to completion; resolves with its stdout. */
async function resetStoreIds(storeArgs: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--reset-store-ids', ...storeArgs, '--log', 'json'], {
    cwd: HUB_DIR,
    env: { ...process.env, TSX_TSCONFIG_PATH: `${ROOT}tsconfig.tests.json` },
  })
  return stdout
}

/**
 * The restore procedure of docs/deploy.md, on each store: a hub with data is stopped, the store
 * gets new storeIds from the CLI, and the restarted hub welcomes replicas with the new storeId and
 * the same head, so replicas know to re-pull.
 */
describe.each([
  { name: 'sqlite', args: (dir: string) => ['--db', join(dir, 'hub.db')] },
  { name: 'postgres', args: (_dir: string, schema: string) => ['--pg', PG_URL, '--pg-schema', schema] },
])('accord-hub --reset-store-ids on $name', ({ args }) => {
  const cleanup: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step()
  })

  it('gives the restored store new storeIds; a restarted hub announces them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'accord-restore-'))
    const schema = freshSchemaName()
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }), () => dropSchema(schema))
    const storeArgs = args(dir, schema)
    const stopped = async (hub: HubProcess): Promise<void> => {
      hub.child.kill('SIGTERM')
      expect(await hub.exited).toBe('0')
    }

    const first = await spawnHubCli(storeArgs)
    cleanup.push(() => void first.child.kill('SIGKILL'))
    const replica = await connectReplica(first.url, { space: 'restored' })
    expect((await replica.push([replica.change('notes', 'n1', 'put', { id: 'n1' })])).ok).toBe(true)
    const before = replica.welcome.storeId
    replica.close()
    await stopped(first)

    expect(await resetStoreIds(storeArgs)).toContain('"msg":"every space has a new storeId","spaces":1')

    const second = await spawnHubCli(storeArgs)
    cleanup.push(() => void second.child.kill('SIGKILL'))
    const again = await connectReplica(second.url, { space: 'restored' })
    expect(again.welcome.storeId).not.toBe(before)
    expect(again.welcome.head).toBe(1)
    again.close()
    await stopped(second)
  }, 60_000)
})
