/**
 * Every statement of the store, with the quoted schema `s` spelled into it. Parameters are
 * positional; arrays travel as one parameter each and are expanded with `unnest` or `= ANY`, so a
 * batch is a handful of statements whatever its size.
 */
export function buildQueries(s: string) {
  return {
    getSpace: `SELECT space, store_id, head, purged_through FROM ${s}.spaces WHERE space = $1`,
    insertSpace: `INSERT INTO ${s}.spaces (space, store_id, head, purged_through) VALUES ($1, $2, 0, 0) ON CONFLICT (space) DO NOTHING`,
    /** The space's counter row, locked until the transaction ends: batches of a space take turns here. */
    lockSpace: `SELECT space, store_id, head, purged_through FROM ${s}.spaces WHERE space = $1 FOR UPDATE`,
    setHead: `UPDATE ${s}.spaces SET head = $2 WHERE space = $1`,
    setPurged: `UPDATE ${s}.spaces SET purged_through = $2 WHERE space = $1`,
    countSpaces: `SELECT count(*)::integer AS n FROM ${s}.spaces`,
    resetStoreIds: `UPDATE ${s}.spaces SET store_id = gen_random_uuid()::text`,

    getPrincipal: `SELECT principal FROM ${s}.replicas WHERE space = $1 AND replica = $2`,
    insertReplica: `INSERT INTO ${s}.replicas (space, replica, principal) VALUES ($1, $2, $3) ON CONFLICT (space, replica) DO NOTHING RETURNING principal`,

    getRecords: `
      SELECT r.col, r.key, r.version, r.deleted, r.value, r.fields, r.del, r.hlc
      FROM ${s}.records r JOIN unnest($2::text[], $3::text[]) AS q (col, key) ON r.col = q.col AND r.key = q.key
      WHERE r.space = $1`,
    upsertRecords: `
      INSERT INTO ${s}.records (space, col, key, version, deleted, value, fields, del, hlc)
      SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::boolean[], $6::text[], $7::text[], $8::text[], $9::text[])
      ON CONFLICT (space, col, key) DO UPDATE SET
        version = excluded.version, deleted = excluded.deleted, value = excluded.value,
        fields = excluded.fields, del = excluded.del, hlc = excluded.hlc`,
    pageRecords: `
      SELECT col, key, version, deleted, value, hlc FROM ${s}.records
      WHERE space = $1 AND version > $2 AND ($3::text[] IS NULL OR col = ANY($3::text[]))
      ORDER BY version LIMIT $4`,
    purgeTombstones: `DELETE FROM ${s}.records WHERE space = $1 AND deleted AND version <= $2`,

    getWriters: `SELECT writer, replica, watermark FROM ${s}.writers WHERE space = $1 AND writer = ANY($2::text[])`,
    writersOfReplica: `SELECT writer, watermark FROM ${s}.writers WHERE space = $1 AND replica = $2`,
    // A writer stays bound to the replica that first used it: only its watermark moves.
    upsertWriters: `
      INSERT INTO ${s}.writers (space, writer, replica, watermark)
      SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[])
      ON CONFLICT (space, writer) DO UPDATE SET watermark = excluded.watermark`,

    getConflicts: `SELECT body, closed_by FROM ${s}.conflicts WHERE space = $1 AND id = ANY($2::bigint[])`,
    insertConflicts: `
      INSERT INTO ${s}.conflicts (space, id, col, replica, private, open, closed_by, body)
      SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::boolean[], $6::boolean[], $7::bigint[], $8::text[])`,
    closeConflicts: `
      UPDATE ${s}.conflicts c SET closed_by = q.closed_by
      FROM unnest($2::bigint[], $3::bigint[]) AS q (id, closed_by)
      WHERE c.space = $1 AND c.id = q.id`,
    pageConflicts: `
      SELECT body, closed_by FROM ${s}.conflicts
      WHERE space = $1
        AND ((id > $2 AND id <= $3) OR (closed_by > $2 AND closed_by <= $3))
        AND (NOT private OR replica = $4)
        AND ($5::text[] IS NULL OR col = ANY($5::text[]))
      ORDER BY id`,
    purgeConflicts: `
      DELETE FROM ${s}.conflicts
      WHERE space = $1 AND NOT (open AND closed_by IS NULL) AND greatest(id, coalesce(closed_by, 0)) <= $2`,
  }
}

/** The store's statements for one schema. */
export type Queries = ReturnType<typeof buildQueries>
