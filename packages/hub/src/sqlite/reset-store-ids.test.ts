import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { settle, TestWriter } from '../testing/contract-kit.js'
import { sqliteStore } from '../sqlite-store.js'
import { resetSqliteStoreIds } from './reset-store-ids.js'

it('gives every space of a SQLite file a new storeId, keeping its data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'accord-reset-'))
  try {
    const path = join(dir, 'hub.db')
    const store = sqliteStore(path)
    const before = await Promise.all(['s1', 's2'].map((s) => store.openSpace(s)))
    await settle(store, 's1', [new TestWriter('r1').put('items', 'a', { id: 'a' })])
    await store.close()
    expect(resetSqliteStoreIds(path)).toBe(2)
    const reopened = sqliteStore(path)
    const after = await Promise.all(['s1', 's2'].map((s) => reopened.openSpace(s)))
    expect(after.map((i) => i.head)).toEqual([1, 0])
    for (let i = 0; i < 2; i++) expect(after[i]?.storeId).not.toBe(before[i]?.storeId)
    expect(after[0]?.storeId).not.toBe(after[1]?.storeId)
    await reopened.close()
    expect(() => resetSqliteStoreIds(join(dir, 'missing.db'))).toThrow()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
