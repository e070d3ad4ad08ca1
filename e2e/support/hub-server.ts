/**
 * The hub for the e2e suite, run inside the Playwright worker process (one per worker, on its own
 * ports), with the demo's own schema module. Each test gets fresh storage (a new SQLite file) and
 * a unique space; a test can stop, start and restart the hub on the same storage, and open TCP
 * links in front of it that it can cut (see tcp-link.ts).
 *
 * Devices always reach the hub through a link, never directly, so the URL they were given stays
 * valid when the hub restarts (on whatever port it gets).
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs'
import { dirname } from 'node:path'
// The e2e suite is no package of the workspace: it uses the built hub directly, as the hosting
// fixture does with core (the root build, `pnpm run build`, makes it).
import { createHub, jsonLogger, sqliteStore, type Hub } from '../../packages/hub/dist/index.js'
import { schema } from '../../apps/demo/src/schema.js'
import { openTcpLink, type TcpLink } from './tcp-link.js'

export interface HubControl {
  /** The URL devices use by default: the main link (cut with `link.cut()`). */
  readonly url: string
  /** This test's space. */
  readonly space: string
  readonly link: TcpLink
  readonly running: boolean
  /** Stops the hub (its storage stays): open sockets drop, new ones are refused. */
  stop(): Promise<void>
  /** Starts it again on the same storage. */
  start(): Promise<void>
  restart(): Promise<void>
  /**
   * Restarts the hub on other storage: a new, empty SQLite file (`dbPath`), as after losing the
   * store. Replicas see another storeId and re-pull from 0, keeping their outboxes.
   */
  restartOnNewStorage(dbPath: string): Promise<void>
  /** Another path to the hub, e.g. one per device, that the test can cut on its own. */
  openLink(): Promise<TcpLink>
}

export class HubServer {
  private hub: Hub | undefined
  private dbPath = ''
  private log: WriteStream | undefined
  private readonly extraLinks: TcpLink[] = []

  private constructor(readonly link: TcpLink) {}

  static async create(): Promise<HubServer> {
    let server: HubServer | undefined = undefined
    const link = await openTcpLink(() => server?.hub?.port)
    server = new HubServer(link)
    return server
  }

  get port(): number | undefined {
    return this.hub?.port
  }

  /** Fresh storage at `dbPath`, hub log to `logPath`, every link restored. */
  async reset(dbPath: string, logPath: string): Promise<void> {
    await this.stop()
    await this.closeLinks()
    this.link.restore()
    this.log?.end()
    mkdirSync(dirname(logPath), { recursive: true })
    this.log = createWriteStream(logPath, { flags: 'a' })
    this.dbPath = dbPath
    await this.start()
  }

  async start(): Promise<void> {
    if (this.hub) return
    this.hub = await createHub({
      schema,
      store: sqliteStore(this.dbPath),
      port: 0,
      host: '127.0.0.1',
      cors: { origin: true },
      // Replicas below the head pull; a short interval shortens recovery when a broadcast was lost.
      headIntervalMs: 2000,
      logger: jsonLogger(this.log ?? process.stdout, 'info'),
    })
  }

  async stop(): Promise<void> {
    const hub = this.hub
    this.hub = undefined
    await hub?.close()
  }

  async openLink(): Promise<TcpLink> {
    const link = await openTcpLink(() => this.hub?.port)
    this.extraLinks.push(link)
    return link
  }

  async closeLinks(): Promise<void> {
    await Promise.all(this.extraLinks.splice(0).map((l) => l.close()))
  }

  control(space: string): HubControl {
    const server = this
    return {
      url: server.link.url,
      space,
      link: server.link,
      get running() {
        return server.hub !== undefined
      },
      stop: () => server.stop(),
      start: () => server.start(),
      restart: async () => {
        await server.stop()
        await server.start()
      },
      restartOnNewStorage: async (dbPath) => {
        await server.stop()
        server.dbPath = dbPath
        await server.start()
      },
      openLink: () => server.openLink(),
    }
  }

  async close(): Promise<void> {
    await this.stop()
    await this.closeLinks()
    await this.link.close()
    this.log?.end()
  }
}
