/**
 * The external services of the scale-out figures: PostgreSQL (one store shared by every hub
 * process) and Redis (the Socket.IO adapter). Their URLs are the test suite's (`ACCORD_PG_URL`,
 * `ACCORD_REDIS_URL`, defaulting to this machine's), every run works in schemas of its own, and a
 * service that does not answer makes the figure skip itself instead of failing the suite.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { createClient } from 'redis'

export const PG_URL = process.env.ACCORD_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const REDIS_URL = process.env.ACCORD_REDIS_URL ?? 'redis://127.0.0.1:6379'

const PROBE_MS = 3_000
/** Every bench schema starts so: `dropSchema` refuses anything else. */
const SCHEMA_PREFIX = 'accord_bench_'

/** Why the services cannot be used (one line), or undefined when both answer. */
export async function unavailableServices(): Promise<string | undefined> {
  const problems = (await Promise.all([probePostgres(), probeRedis()])).filter((p): p is string => p !== undefined)
  return problems.length ? problems.join('; ') : undefined
}

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: PROBE_MS })
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.query('SELECT 1')
    return undefined
  } catch (error) {
    return `PostgreSQL at ${where(PG_URL)} unreachable (${message(error)}; set ACCORD_PG_URL)`
  } finally {
    await client.end().catch(() => undefined)
  }
}

async function probeRedis(): Promise<string | undefined> {
  // No reconnection: a probe that cannot connect must fail now, not retry forever.
  const client = createClient({ url: REDIS_URL, socket: { connectTimeout: PROBE_MS, reconnectStrategy: false } })
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.ping()
    return undefined
  } catch (error) {
    return `Redis at ${where(REDIS_URL)} unreachable (${message(error)}; set ACCORD_REDIS_URL)`
  } finally {
    if (client.isOpen) await client.quit().catch(() => undefined)
  }
}

/** A schema name no other run uses (the hubs create it on start). */
export function freshSchemaName(label: string): string {
  return `${SCHEMA_PREFIX}${label}_${randomBytes(4).toString('hex')}`
}

/** Drops bench schemas and everything in them; refuses names that are not bench schemas. */
export async function dropSchemas(names: readonly string[]): Promise<void> {
  if (names.length === 0) return
  for (const name of names) if (!new RegExp(`^${SCHEMA_PREFIX}[a-z0-9_]+$`).test(name)) throw new Error(`refusing to drop ${name}: not a bench schema`)
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    for (const name of names) await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)
  } finally {
    await client.end()
  }
}

/** host:port/db, without credentials, for messages. */
export function where(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`
  } catch {
    return 'the configured URL'
  }
}

function message(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length) return message(error.errors[0])
  return error instanceof Error ? error.message || error.constructor.name : String(error)
}
