import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const HUB_DIR = fileURLToPath(new URL('../../', import.meta.url))
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

export interface HubProcess {
  child: ChildProcess
  port: number
  url: string
  /** Everything the child printed, for failure messages. */
  output(): string
  /** Resolves with the signal or exit code once the process has ended. */
  exited: Promise<string>
}

/**
 * Runs the `accord-hub` CLI in a child process on the TypeScript sources (through tsx, with the
 * tests' path aliases), on a SQLite file, and resolves once it listens.
 */
export function spawnHubProcess(db: string, timeoutMs = 20_000): Promise<HubProcess> {
  return spawnHubCli(['--db', db], timeoutMs)
}

/** Runs the CLI with the test schema, any free port on 127.0.0.1, JSON logs, and `args` (the store, Redis). */
export function spawnHubCli(args: string[], timeoutMs = 20_000): Promise<HubProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', '--schema', 'test/fixtures/schema.ts', ...args, '--port', '0', '--host', '127.0.0.1', '--log', 'json'],
    { cwd: HUB_DIR, env: { ...process.env, TSX_TSCONFIG_PATH: `${ROOT}tsconfig.tests.json` }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? String(code))))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the hub did not start within ${timeoutMs} ms:\n${output}`))
    }, timeoutMs)
    const onData = (chunk: Buffer): void => {
      output += chunk.toString()
      const match = /"msg":"hub listening","port":(\d+)/.exec(output)
      if (!match) return
      clearTimeout(timer)
      const port = Number(match[1])
      resolve({ child, port, url: `http://127.0.0.1:${port}`, output: () => output, exited })
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
    void exited.then((how) => {
      clearTimeout(timer)
      reject(new Error(`the hub exited (${how}) before listening:\n${output}`))
    })
  })
}
