/** Structured fields attached to a log line. */
export type LogFields = { [key: string]: unknown }

/**
 * Where the runtime reports what it does. Library code never writes to the console: the host
 * injects a logger (the default is silent).
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
}

const nothing = (): void => undefined

/** A logger that drops everything. */
export const silentLogger: Logger = { debug: nothing, info: nothing, warn: nothing, error: nothing }
