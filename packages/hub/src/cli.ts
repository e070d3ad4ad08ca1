#!/usr/bin/env node
// The `accord-hub` command: a hub on an embedded SQLite file, or a node of a cluster on PostgreSQL
// and Redis. The only module that may write to the console; everything else logs through the
// injected logger.
import { USAGE, parseCliArgs } from './cli-args.js'
import { startHubNode } from './cluster/start-node.js'
import { resetStoreIds } from './cluster/open-store.js'
import { jsonLogger, prettyLogger } from './logger.js'

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
  if (options.command === 'reset-store-ids') {
    const spaces = await resetStoreIds(options.store)
    logger.info('every space has a new storeId', { spaces, store: options.store.kind })
    return
  }
  const node = await startHubNode(options, logger)
  const where = options.store.kind === 'sqlite' ? { db: options.store.path } : { pgSchema: options.store.schema }
  logger.info('accord-hub ready', { port: node.hub.port, store: options.store.kind, ...where, redis: options.redis !== undefined, schema: options.schema, health: `/healthz` })

  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn('second signal: exiting now', { signal })
      process.exit(1)
    }
    stopping = true
    logger.info('shutting down', { signal })
    node.close().then(
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
