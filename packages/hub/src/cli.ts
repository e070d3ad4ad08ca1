#!/usr/bin/env node
// The `accord-hub` command: a hub on an embedded SQLite file. The only module that may write to
// the console; everything else logs through the injected logger.
import { createHub } from './create-hub.js'
import { USAGE, parseCliArgs } from './cli-args.js'
import { loadSchema } from './load-schema.js'
import { jsonLogger, prettyLogger } from './logger.js'
import { sqliteStore } from './sqlite-store.js'

async function main(argv: string[]): Promise<void> {
  let options: ReturnType<typeof parseCliArgs>
  try {
    options = parseCliArgs(argv)
  } catch (error) {
    console.error(`accord-hub: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`)
    process.exit(2)
  }
  if (options === 'help') {
    console.log(USAGE)
    return
  }
  const logger = options.log === 'json' ? jsonLogger(process.stdout) : prettyLogger(process.stdout)
  const schema = await loadSchema(options.schema)
  const store = sqliteStore(options.db)
  const hub = await createHub({
    schema,
    store,
    port: options.port,
    logger,
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.cors.length ? { cors: { origin: options.cors.includes('*') ? true : options.cors } } : {}),
  })
  logger.info('accord-hub ready', { port: hub.port, db: options.db, schema: options.schema, health: `/healthz` })

  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn('second signal: exiting now', { signal })
      process.exit(1)
    }
    stopping = true
    logger.info('shutting down', { signal })
    hub.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', { error })
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`accord-hub: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  process.exit(1)
})
