import Database from 'better-sqlite3'
import { mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
const dir = mkdtempSync(join(tmpdir(), 'cm-'))
const cols = ['space','col','key','version','deleted','value','fields','del','hlc']
const DDL = `CREATE TABLE records (space TEXT NOT NULL, col TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, deleted INTEGER NOT NULL, value TEXT NOT NULL, fields TEXT NOT NULL, del TEXT, hlc TEXT NOT NULL, PRIMARY KEY (space, col, key)) STRICT;
CREATE INDEX records_by_version ON records (space, version);`
const M = JSON.stringify({v:1,hlc:'0000018f3a2b4c5d-0000-r-12345678',w:'w-12345678'})
function row(i: number) { return ['ingest','items',`item-${String(i).padStart(7,'0')}`, i+1, 0, JSON.stringify({id:`item-${i}`, listId:'list-1', title:'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut '+i, done:false, rank:i, updatedAt:new Date().toISOString()}), `{"id":${M},"listId":${M},"title":${M},"done":${M},"rank":${M},"updatedAt":${M}}`, null, '0000018f3a2b4c5d-0000-r-12345678'] }
const N = 50000
const rows = Array.from({ length: N }, (_, i) => row(i))
for (const B of [400]) for (const ckpt of [1000, 4000, 16000, 1000, 4000, 16000]) {
  const db = new Database(join(dir, `t-${B}-${ckpt}.db`)); db.pragma('journal_mode = WAL'); db.pragma('synchronous = FULL'); db.pragma(`wal_autocheckpoint = ${ckpt}`); db.exec(DDL)
  const ins = db.prepare(`INSERT INTO records (${cols}) VALUES (${cols.map(()=>'?')})`)
  const begin = db.prepare('BEGIN IMMEDIATE'), commit = db.prepare('COMMIT')
  let tIns = 0, tCommit = 0
  const t0 = performance.now()
  for (let i = 0; i < N; i += B) {
    const a = performance.now(); begin.run(); for (let j = i; j < Math.min(N, i + B); j++) ins.run(rows[j]); const b = performance.now(); commit.run(); const c = performance.now()
    tIns += b - a; tCommit += c - b
  }
  const total = performance.now() - t0
  console.log(`batch ${B} autockpt ${ckpt}: total ${(total*1000/N).toFixed(2)} µs/row  inserts ${(tIns*1000/N).toFixed(2)}  commit ${(tCommit*1000/N).toFixed(2)} µs/row  (${(tCommit/(N/B)).toFixed(2)} ms/commit)`)
  db.close()
}
rmSync(dir, { recursive: true, force: true })
