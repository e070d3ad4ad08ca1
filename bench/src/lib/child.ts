/**
 * Child processes for the Node figures: the hub (or a raw Socket.IO relay, or a raw SQLite writer)
 * runs in its own process, so the clients driving it never share its event loop. Requests and
 * replies travel over the IPC channel; every wait has a timeout, and `stop()` kills what is left.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { ServerConfig } from '../node/server-process.js'

const SERVER = fileURLToPath(new URL('../node/server-process.ts', import.meta.url))

export interface ChildOptions {
  /** Writes a V8 CPU profile (.cpuprofile) of the child into this directory when it exits. */
  cpuProfDir?: string
  timeoutMs?: number
}

export interface Child {
  readonly pid: number
  /** Sends a request; resolves with the child's reply (`{ ok: false }` replies reject). */
  request<T = unknown>(message: { type: string; [key: string]: unknown }, timeoutMs?: number): Promise<T>
  /** Asks the child to finish and exit; kills it when it does not within a few seconds. */
  stop(): Promise<void>
}

/** Starts `server-process.ts` with `config` and waits for its `ready` reply. */
export async function startChild(config: ServerConfig, options: ChildOptions = {}): Promise<{ child: Child; ready: Record<string, unknown> }> {
  const execArgv = ['--import', 'tsx']
  if (options.cpuProfDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`)
  const proc = fork(SERVER, [JSON.stringify(config)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const child = wrap(proc)
  const ready = await child.request<Record<string, unknown>>({ type: 'hello' }, options.timeoutMs ?? 30_000).catch(async (error: unknown) => {
    await child.stop()
    throw error
  })
  return { child, ready }
}

function wrap(proc: ChildProcess): Child {
  let nextId = 1
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>()
  const failAll = (error: Error): void => {
    for (const { reject, timer } of pending.values()) {
      clearTimeout(timer)
      reject(error)
    }
    pending.clear()
  }
  proc.on('message', (raw) => {
    const reply = raw as { id: number; ok: boolean; value?: unknown; error?: string }
    const waiter = pending.get(reply.id)
    if (!waiter) return
    pending.delete(reply.id)
    clearTimeout(waiter.timer)
    if (reply.ok) waiter.resolve(reply.value)
    else waiter.reject(new Error(`child: ${reply.error ?? 'failed'}`))
  })
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  proc.once('exit', (code, signal) => failAll(new Error(`child exited (${code ?? signal})`)))
  return {
    pid: proc.pid ?? -1,
    request<T>(message: { type: string }, timeoutMs = 120_000): Promise<T> {
      const id = nextId++
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new Error(`child did not answer ${message.type} within ${timeoutMs} ms`))
        }, timeoutMs)
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer })
        if (!proc.connected) {
          clearTimeout(timer)
          pending.delete(id)
          reject(new Error('child is gone'))
          return
        }
        proc.send({ ...message, id })
      })
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      if (proc.connected) proc.send({ type: 'stop', id: 0 })
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(timer)
    },
  }
}
