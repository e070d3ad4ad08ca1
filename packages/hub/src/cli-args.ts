import { parseArgs } from 'node:util'

/** Where the hub keeps its commits. A PostgreSQL `url` absent means node-postgres reads the PG* environment. */
export type StoreChoice = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string | undefined; schema: string }

/** Run a hub (one node of a cluster when `redis` is set). */
export interface ServeOptions {
  command: 'serve'
  port: number
  host: string | undefined
  schema: string
  log: 'json' | 'pretty'
  cors: string[]
  store: StoreChoice
  /** Broadcasts between hub processes through `@socket.io/redis-adapter`; `key` prefixes its channels. */
  redis: { url: string; key: string } | undefined
}

/** Give every space of a store a new storeId (after restoring a backup), then exit. */
export interface ResetStoreIdsOptions {
  command: 'reset-store-ids'
  log: 'json' | 'pretty'
  store: StoreChoice
}

export type CliOptions = ServeOptions | ResetStoreIdsOptions

export const USAGE = `Usage: accord-hub --schema <module> [options]
       accord-hub --reset-store-ids [--db <path> | --store postgres [--pg <url>] [--pg-schema <name>]]

  --schema <path>       the app's schema module (.js, .mjs or .ts) exporting \`schema\` (required to serve)
  --store sqlite|postgres
                        where commits are stored (default sqlite; postgres when --pg is given)
  --db <path>           SQLite file (default ./accord-hub.db; created if missing)
  --pg <url>            PostgreSQL connection string, postgres://user@host:5432/db
                        (without it: the PGHOST, PGUSER, PGPASSWORD, PGDATABASE environment)
  --pg-schema <name>    PostgreSQL schema holding the tables (default accord; created if missing)
  --redis <url>         Redis carrying broadcasts between hub processes, redis://host:6379
  --redis-key <prefix>  prefix of the Redis channels (default accord); one per cluster sharing a Redis
  --reset-store-ids     give every space a new storeId and exit: run once after restoring a backup,
                        with every hub stopped, so replicas notice the lost history and re-pull
  --port <n>            port to listen on (default 8787; 0: any free port)
  --host <addr>         address to listen on (default: every interface)
  --cors <origin>       allow a browser origin (repeatable; '*' allows any)
  --log json|pretty     log format on stdout (default pretty)
  --help                this text
`

/** Parses the CLI's arguments; throws an Error whose message is meant for the user. */
export function parseCliArgs(argv: string[]): CliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      schema: { type: 'string' },
      store: { type: 'string' },
      db: { type: 'string' },
      pg: { type: 'string' },
      'pg-schema': { type: 'string' },
      redis: { type: 'string' },
      'redis-key': { type: 'string' },
      'reset-store-ids': { type: 'boolean', default: false },
      port: { type: 'string', default: '8787' },
      host: { type: 'string' },
      cors: { type: 'string', multiple: true, default: [] },
      log: { type: 'string', default: 'pretty' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help) return 'help'
  if (values.log !== 'json' && values.log !== 'pretty') throw new Error(`--log must be json or pretty, got ${values.log}`)
  const store = parseStore(values)
  if (values['reset-store-ids']) return { command: 'reset-store-ids', log: values.log, store }
  if (!values.schema) throw new Error('--schema is required: the path of the module that exports your schema')
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer in 0..65535, got ${values.port}`)
  return { command: 'serve', port, host: values.host, schema: values.schema, log: values.log, cors: values.cors, store, redis: parseRedis(values) }
}

function parseStore(values: { store?: string; db?: string; pg?: string; 'pg-schema'?: string }): StoreChoice {
  const kind = values.store ?? (values.pg === undefined ? 'sqlite' : 'postgres')
  if (kind === 'sqlite') {
    if (values.pg !== undefined || values['pg-schema'] !== undefined) throw new Error('--pg and --pg-schema are for --store postgres')
    return { kind, path: values.db ?? './accord-hub.db' }
  }
  if (kind !== 'postgres') throw new Error(`--store must be sqlite or postgres, got ${kind}`)
  if (values.db !== undefined) throw new Error('--db is for the SQLite store; PostgreSQL takes --pg <url>')
  if (values.pg !== undefined && !/^postgres(ql)?:\/\//.test(values.pg)) throw new Error('--pg must be a postgres:// or postgresql:// URL')
  const schema = values['pg-schema'] ?? 'accord'
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`--pg-schema must be lower-case letters, digits and _, got ${schema}`)
  return { kind, url: values.pg, schema }
}

function parseRedis(values: { redis?: string; 'redis-key'?: string }): ServeOptions['redis'] {
  if (values.redis === undefined) {
    if (values['redis-key'] !== undefined) throw new Error('--redis-key needs --redis <url>')
    return undefined
  }
  if (!/^rediss?:\/\//.test(values.redis)) throw new Error('--redis must be a redis:// or rediss:// URL')
  const key = values['redis-key'] ?? 'accord'
  if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(key)) throw new Error(`--redis-key must be 1-100 of A-Z a-z 0-9 _ . : -, got ${key}`)
  return { url: values.redis, key }
}
