import { parseArgs } from 'node:util'

export interface CliOptions {
  port: number
  host: string | undefined
  db: string
  schema: string
  log: 'json' | 'pretty'
  cors: string[]
}

export const USAGE = `Usage: accord-hub --schema <module> [options]

  --schema <path>   the app's schema module (.js, .mjs or .ts) exporting \`schema\` (required)
  --db <path>       SQLite file (default ./accord-hub.db; created if missing)
  --port <n>        port to listen on (default 8787; 0: any free port)
  --host <addr>     address to listen on (default: every interface)
  --cors <origin>   allow a browser origin (repeatable; '*' allows any)
  --log json|pretty log format on stdout (default pretty)
  --help            this text
`

/** Parses the CLI's arguments; throws an Error whose message is meant for the user. */
export function parseCliArgs(argv: string[]): CliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      schema: { type: 'string' },
      db: { type: 'string', default: './accord-hub.db' },
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
  if (!values.schema) throw new Error('--schema is required: the path of the module that exports your schema')
  const port = Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be an integer in 0..65535, got ${values.port}`)
  if (values.log !== 'json' && values.log !== 'pretty') throw new Error(`--log must be json or pretty, got ${values.log}`)
  return { port, host: values.host, db: values.db, schema: values.schema, log: values.log, cors: values.cors }
}
