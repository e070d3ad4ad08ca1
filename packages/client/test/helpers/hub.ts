import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Schema } from '@accord/core'
import { createHub, sqliteStore, type CreateHubOptions, type Hub } from '@accord/hub'

/** A real hub on 127.0.0.1 over a SQLite file that survives `restart()`. */
export interface TestHub {
  readonly url: string
  /** The SQLite file: a second hub on it shares the store (failover, scale-out). */
  readonly file: string
  readonly port: number
  hub: Hub
  /** Stops the hub (its sockets drop); `start()` brings it back on the same port and file. */
  stop(): Promise<void>
  start(): Promise<void>
  /** Stops it for good and deletes its file. */
  dispose(): Promise<void>
}

export async function startHub(schema: Schema, options: Partial<CreateHubOptions> = {}): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'accord-client-test-'))
  const file = join(dir, 'hub.db')
  const make = (port: number): Promise<Hub> =>
    createHub({ schema, store: sqliteStore(file), port, host: '127.0.0.1', headIntervalMs: 200, ...options })
  let hub: Hub | undefined = await make(0)
  const port = hub.port
  let running = true
  const t: TestHub = {
    url: `http://127.0.0.1:${port}`,
    file,
    port,
    get hub(): Hub {
      if (!hub) throw new Error('the hub is stopped')
      return hub
    },
    set hub(value: Hub) {
      hub = value
    },
    async stop() {
      if (!running) return
      running = false
      await hub?.close()
      hub = undefined
    },
    async start() {
      if (running) return
      hub = await make(port)
      running = true
    },
    async dispose() {
      await t.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return t
}
