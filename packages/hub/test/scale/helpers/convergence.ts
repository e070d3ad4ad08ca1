import type { RecordValue } from '@accord/core'
import pg from 'pg'
import { PG_URL } from '../../helpers/postgres.js'

/** The space as the cluster's PostgreSQL holds it: head, and each live record's version and value. */
export async function storedSpace(schema: string, space: string): Promise<{ head: number; records: Map<string, { version: number; value: RecordValue }> }> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    const head = await client.query<{ head: string }>(`SELECT head FROM "${schema}".spaces WHERE space = $1`, [space])
    const rows = await client.query<{ col: string; key: string; version: string; value: string }>(
      `SELECT col, key, version, value FROM "${schema}".records WHERE space = $1 AND NOT deleted`,
      [space],
    )
    return {
      head: Number(head.rows[0]?.head ?? 0),
      records: new Map(rows.rows.map((r) => [`${r.col}/${r.key}`, { version: Number(r.version), value: JSON.parse(r.value) as RecordValue }])),
    }
  } finally {
    await client.end()
  }
}

/** Watermarks of every writer of a space, as stored. */
export async function storedWatermarks(schema: string, space: string): Promise<{ [writer: string]: number }> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    const rows = await client.query<{ writer: string; watermark: string }>(`SELECT writer, watermark FROM "${schema}".writers WHERE space = $1`, [space])
    return Object.fromEntries(rows.rows.map((r) => [r.writer, Number(r.watermark)]))
  } finally {
    await client.end()
  }
}
