/**
 * The raw baseline of S1 (hub ingest on PostgreSQL): the rows the hub wrote, inserted again with
 * node-postgres into fresh tables of the same shape, with the least a batch of a space must write:
 *
 *   BEGIN; UPDATE spaces SET head = head + n (the space's counter row: its lock orders the space);
 *   INSERT of the batch's records (one unnest statement, as the store does); COMMIT
 *
 * `lanes` connections run at once (one per writer of the hub run). Batches of one space take the
 * same counter row, so with one space the lanes serialize exactly as the hub's batches must; with a
 * space per lane they do not. Runs in a child process of its own (`server-process.ts`), so its
 * client-side CPU is not the bench process's.
 */
import pg from 'pg'

export interface PgRawRequest {
  connectionString: string
  /** The hub's schema: rows are read from its `records`, written to `raw_records` beside it. */
  schema: string
  /** The spaces whose rows are inserted again (a schema holds several runs and the warm-up). */
  spaces: string[]
  lanes: number
  batch: number
  applicationName: string
}

export interface PgRawResult {
  rows: number
  transactions: number
  ms: number
  rowsPerSecond: number
}

interface RecordRow {
  space: string
  col: string
  key: string
  version: string
  deleted: boolean
  value: string
  fields: string
  del: string | null
  hlc: string
}

/** Same table shapes, no rows: LIKE … INCLUDING ALL copies the keys and the version index. */
function ddl(s: string): string {
  return `
    DROP TABLE IF EXISTS ${s}.raw_records, ${s}.raw_spaces;
    CREATE TABLE ${s}.raw_spaces (LIKE ${s}.spaces INCLUDING ALL);
    CREATE TABLE ${s}.raw_records (LIKE ${s}.records INCLUDING ALL);`
}

export async function insertRowsPg(request: PgRawRequest): Promise<PgRawResult> {
  const s = `"${request.schema}"`
  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: request.connectionString, application_name: request.applicationName })
    client.on('error', () => undefined)
    await client.connect()
    return client
  }
  const admin = await connect()
  const clients: pg.Client[] = []
  try {
    const { rows } = await admin.query<RecordRow>(`SELECT space, col, key, version, deleted, value, fields, del, hlc FROM ${s}.records WHERE space = ANY($1) ORDER BY space, version`, [request.spaces])
    await admin.query(ddl(s))
    const spaces = request.spaces.filter((space) => rows.some((r) => r.space === space))
    await admin.query(`INSERT INTO ${s}.raw_spaces SELECT space, store_id, 0, 0 FROM ${s}.spaces WHERE space = ANY($1)`, [spaces])
    const lanes = laneBatches(rows, spaces, request.lanes, request.batch)
    for (let i = 0; i < lanes.length; i++) clients.push(await connect())
    const insert = `
      INSERT INTO ${s}.raw_records (space, col, key, version, deleted, value, fields, del, hlc)
      SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::boolean[], $6::text[], $7::text[], $8::text[], $9::text[])`
    const started = performance.now()
    await Promise.all(
      lanes.map(async (batches, lane) => {
        const client = clients[lane] as pg.Client
        for (const batch of batches) {
          const space = (batch[0] as RecordRow).space
          await client.query('BEGIN ISOLATION LEVEL READ COMMITTED')
          await client.query(`UPDATE ${s}.raw_spaces SET head = head + $2 WHERE space = $1`, [space, batch.length])
          await client.query(insert, [
            space,
            batch.map((r) => r.col),
            batch.map((r) => r.key),
            batch.map((r) => r.version),
            batch.map((r) => r.deleted),
            batch.map((r) => r.value),
            batch.map((r) => r.fields),
            batch.map((r) => r.del),
            batch.map((r) => r.hlc),
          ])
          await client.query('COMMIT')
        }
      }),
    )
    const ms = performance.now() - started
    const transactions = lanes.reduce((sum, batches) => sum + batches.length, 0)
    await admin.query(`DROP TABLE ${s}.raw_records, ${s}.raw_spaces`)
    return { rows: rows.length, transactions, ms, rowsPerSecond: (rows.length / ms) * 1000 }
  } finally {
    await Promise.allSettled([admin, ...clients].map((client) => client.end()))
  }
}

/**
 * Each space's rows cut into batches; a space per lane when there are enough spaces, else one
 * space's batches dealt round-robin over the lanes (they then queue on its counter row).
 */
function laneBatches(rows: RecordRow[], spaces: string[], lanes: number, batch: number): RecordRow[][][] {
  const out: RecordRow[][][] = Array.from({ length: lanes }, () => [])
  let dealt = 0
  spaces.forEach((space, index) => {
    const mine = rows.filter((r) => r.space === space)
    for (let i = 0; i < mine.length; i += batch) {
      const lane = spaces.length >= lanes ? index % lanes : dealt++ % lanes
      out[lane]?.push(mine.slice(i, i + batch))
    }
  })
  return out.filter((batches) => batches.length > 0)
}
