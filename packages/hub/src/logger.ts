/** Where the hub reports what it does. Injected: library code never writes to the console. */
export interface Logger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
}

export type LogFields = Record<string, unknown>

type Level = keyof Logger

const LEVELS: Level[] = ['debug', 'info', 'warn', 'error']

/** A logger that drops everything: the default of `createHub`. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }

/** Something lines can be written to (a `process.stdout`, a file stream, an array in a test). */
export interface LineSink {
  write(text: string): unknown
}

/** One JSON object a line: `{ time, level, msg, ...fields }`. Levels below `minLevel` are dropped. */
export function jsonLogger(sink: LineSink, minLevel: Level = 'info'): Logger {
  return makeLogger(minLevel, (level, msg, fields) => {
    sink.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...serializable(fields) })}\n`)
  })
}

/** Human-readable lines: `12:00:00.000 INFO  msg key=value`. */
export function prettyLogger(sink: LineSink, minLevel: Level = 'info'): Logger {
  return makeLogger(minLevel, (level, msg, fields) => {
    const time = new Date().toISOString().slice(11, 23)
    const rest = Object.entries(serializable(fields))
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ')
    sink.write(`${time} ${level.toUpperCase().padEnd(5)} ${msg}${rest ? ` ${rest}` : ''}\n`)
  })
}

function makeLogger(minLevel: Level, write: (level: Level, msg: string, fields: LogFields) => void): Logger {
  const min = LEVELS.indexOf(minLevel)
  const at = (level: Level) => (msg: string, fields: LogFields = {}) => {
    if (LEVELS.indexOf(level) >= min) write(level, msg, fields)
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/** Errors do not survive JSON.stringify: keep their message (and code, when they have one). */
function serializable(fields: LogFields): LogFields {
  const out: LogFields = {}
  for (const [k, v] of Object.entries(fields)) {
    out[k] = v instanceof Error ? { message: v.message, ...('code' in v ? { code: (v as { code: unknown }).code } : {}) } : v
  }
  return out
}
