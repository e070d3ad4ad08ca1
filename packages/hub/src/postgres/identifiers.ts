/** A PostgreSQL schema name this store accepts: lower-case, unquoted-identifier style, ≤ 63 bytes. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Validates a schema name and returns it quoted for SQL text. Names are interpolated into
 * statements (identifiers cannot be bound as parameters), so anything else is refused.
 */
export function quoteSchema(name: string): string {
  if (!SCHEMA_NAME.test(name)) {
    throw new RangeError(`postgres schema must match ${SCHEMA_NAME.source} (lower-case letters, digits, _), got ${JSON.stringify(name)}`)
  }
  return `"${name}"`
}

/** Where a connection string points, without its credentials: for health details and logs. */
export function describeTarget(connectionString: string | undefined, schema: string): string {
  if (connectionString === undefined) return `postgres (PG* environment) schema ${schema}`
  try {
    const url = new URL(connectionString)
    const host = url.host || url.searchParams.get('host') || 'localhost'
    return `postgres ${host}${url.pathname} schema ${schema}`
  } catch {
    return `postgres schema ${schema}`
  }
}
