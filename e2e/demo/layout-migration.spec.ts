/**
 * A database left by a build of storage layout 0 (an outbox row per change, a `_versions` row per
 * record) opens in this build's layout 1 in Chromium's real IndexedDB, with every record and
 * every pending write, which then sync. The layout-0 database is made from real data: device C
 * writes offline, its database is read back and laid out again as layout 0 under device A's name
 * (same indexes, the outbox split into a row per change, versions out of the value rows), then
 * A opens the app on it.
 */
import type { Page } from '@playwright/test'
import { expect, test } from '../support/fixtures.js'
import { Device, expectConverged, settle } from '../support/device.js'
import { SAMPLE, cardEl, loadSample } from '../support/board.js'

/** One object store as read from IndexedDB: how it is keyed and indexed, and its rows. */
interface StoreDump {
  name: string
  keyPath: string | string[] | null
  indexes: { name: string; keyPath: string | string[]; unique: boolean; multiEntry: boolean }[]
  rows: unknown[]
}

/** Every object store of the database `name`, read in the page. */
function dumpDatabase(page: Page, name: string): Promise<{ version: number; stores: StoreDump[] }> {
  return page.evaluate(
    (name) =>
      new Promise<{ version: number; stores: StoreDump[] }>((resolve, reject) => {
        const open = indexedDB.open(name)
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const db = open.result
          const names = Array.from(db.objectStoreNames)
          const tx = db.transaction(names, 'readonly')
          const stores: StoreDump[] = []
          for (const storeName of names) {
            const store = tx.objectStore(storeName)
            const dump: StoreDump = {
              name: storeName,
              keyPath: store.keyPath as string | string[] | null,
              indexes: Array.from(store.indexNames).map((i) => {
                const index = store.index(i)
                return { name: i, keyPath: index.keyPath as string | string[], unique: index.unique, multiEntry: index.multiEntry }
              }),
              rows: [],
            }
            store.getAll().onsuccess = (e) => (dump.rows = (e.target as IDBRequest<unknown[]>).result)
            stores.push(dump)
          }
          tx.oncomplete = () => {
            db.close()
            resolve({ version: db.version, stores })
          }
          tx.onerror = () => reject(tx.error)
        }
      }),
    name,
  )
}

/** Writes `stores` as a new database `name` at `version`, in the page. */
function writeDatabase(page: Page, name: string, version: number, stores: StoreDump[]): Promise<void> {
  return page.evaluate(
    ({ name, version, stores }) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open(name, version)
        open.onerror = () => reject(open.error)
        open.onupgradeneeded = () => {
          for (const s of stores) {
            const store = open.result.createObjectStore(s.name, s.keyPath === null ? {} : { keyPath: s.keyPath })
            for (const i of s.indexes) store.createIndex(i.name, i.keyPath, { unique: i.unique, multiEntry: i.multiEntry })
            for (const row of s.rows) store.put(row)
          }
        }
        open.onsuccess = () => {
          open.result.close()
          resolve()
        }
      }),
    { name, version, stores },
  )
}

const META = '\u0000accord'

/** Layout 1 → layout 0, as a build before layout 1 would have left the same data. */
function toLayout0(stores: StoreDump[]): StoreDump[] {
  const out: StoreDump[] = []
  const versions: unknown[] = []
  let changes: unknown[] = []
  for (const s of stores) {
    if (s.name === '_outboxTx') {
      changes = (s.rows as { changes: unknown[] }[]).flatMap((row) => row.changes)
      continue
    }
    if (s.name === '_versions') {
      for (const row of s.rows as { col: string; key: string; version?: number }[]) if (row.version) versions.push({ col: row.col, key: row.key, version: row.version })
      continue
    }
    if (s.name.startsWith('_')) {
      out.push(s)
      continue
    }
    const rows = (s.rows as Record<string, unknown>[]).map((row) => {
      const { [META]: meta, ...value } = row as Record<string, unknown> & { [META]?: { v?: number } }
      if (meta?.v) versions.push({ col: s.name, key: value['id'], version: meta.v })
      return value
    })
    out.push({ ...s, rows })
  }
  out.push({ name: '_versions', keyPath: ['col', 'key'], indexes: [], rows: versions })
  out.push({
    name: '_outbox',
    keyPath: ['writer', 'n'],
    indexes: [
      { name: 'ord', keyPath: 'ord', unique: false, multiEntry: false },
      { name: '[col+key]', keyPath: ['col', 'key'], unique: false, multiEntry: false },
    ],
    rows: changes,
  })
  return out
}

test('a database of storage layout 0 opens migrated, with its records and pending writes, which then sync', async ({ devices, hub, demoUrl }) => {
  const b = await devices.open({ name: 'B' })
  await loadSample(b)
  await settle([b])

  // C takes the sample, then writes offline: a new card and a vote (two pending changes).
  const linkC = await hub.openLink()
  const c = await devices.open({ name: 'C', hubUrl: linkC.url })
  await expect(c.page.getByTestId('card')).toHaveCount(3, { timeout: 20_000 })
  await c.flush()
  linkC.cut()
  await c.page.getByTestId('new-card-title').fill('Written before the storage upgrade')
  await c.page.getByTestId('new-card-title').press('Enter')
  await cardEl(c, SAMPLE.card).getByTestId('card-vote').click()
  await c.expectPending(2)
  const written = await dumpDatabase(c.page, `accord-demo:${hub.space}:C`)
  await c.context.close()
  expect(written.version % 10, 'the current build writes layout 1').toBe(1)
  expect(written.stores.map((s) => s.name)).toContain('_outboxTx')

  // The same data as a layout-0 build leaves it, under A's name (the version's tenths: 0).
  const context = await devices.newContext()
  const prep = await context.newPage()
  await prep.goto(`${demoUrl}/manifest.webmanifest`)
  const name = `accord-demo:${hub.space}:A`
  await writeDatabase(prep, name, written.version - 1, toLayout0(written.stores))
  await prep.close()

  // The replica is bound to the hub URL C used: A opens on it, still cut, then it comes back.
  const a = await new Device(await context.newPage(), context, { name: 'A', worker: 'shared', hubUrl: linkC.url, space: hub.space, demoUrl }).load()
  await expect(a.page.getByTestId('card')).toHaveCount(4)
  await expect(cardEl(a, SAMPLE.card).getByTestId('card-votes')).toHaveText('3')
  await a.expectPending(2)
  const migrated = await dumpDatabase(a.page, name)
  expect(migrated.version).toBe(written.version)
  expect(migrated.stores.map((s) => s.name)).not.toContain('_outbox')
  const outbox = migrated.stores.find((s) => s.name === '_outboxTx')?.rows as { changes: unknown[] }[]
  expect(outbox.flatMap((row) => row.changes)).toHaveLength(2)

  linkC.restore()
  await expect(b.page.getByTestId('card')).toHaveCount(4, { timeout: 20_000 })
  await expect(cardEl(b, SAMPLE.card).getByTestId('card-votes')).toHaveText('3')
  await a.expectPending(0)
  await settle([a, b])
  await expectConverged([a, b])
})
