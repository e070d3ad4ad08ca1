/**
 * DevTools protocol access to a page's workers (dedicated and shared), which Playwright does not
 * expose: a CDP session on the page attaches to the worker target (non-flattened), and messages to
 * and from the worker travel as Target.sendMessageToTarget / receivedMessageFromTarget. Used for
 * worker heap sizes (P10) and worker CPU profiles (`--profile`).
 */
import type { CDPSession, Page } from 'playwright-core'

interface TargetInfo {
  targetId: string
  type: string
  url: string
}

export class WorkerInspector {
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()

  private constructor(
    private readonly cdp: CDPSession,
    private readonly sessionId: string,
  ) {
    cdp.on('Target.receivedMessageFromTarget', (event: { sessionId: string; message: string }) => {
      if (event.sessionId !== this.sessionId) return
      const message = JSON.parse(event.message) as { id?: number; result?: unknown; error?: { message: string } }
      if (message.id === undefined) return
      const waiter = this.pending.get(message.id)
      if (!waiter) return
      this.pending.delete(message.id)
      if (message.error) waiter.reject(new Error(message.error.message))
      else waiter.resolve(message.result)
    })
  }

  /** Attaches to the first worker (of `types`) whose script URL ends with `scriptSuffix`. */
  static async attach(page: Page, scriptSuffix: string, types = ['worker', 'shared_worker']): Promise<WorkerInspector> {
    const cdp = await page.context().newCDPSession(page)
    const deadline = Date.now() + 10_000
    for (;;) {
      const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: TargetInfo[] }
      const target = targetInfos.find((t) => types.includes(t.type) && t.url.split('?')[0]?.endsWith(scriptSuffix))
      if (target) {
        const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: target.targetId, flatten: false })) as { sessionId: string }
        return new WorkerInspector(cdp, sessionId)
      }
      if (Date.now() > deadline) throw new Error(`no worker ${scriptSuffix} among ${targetInfos.map((t) => `${t.type} ${t.url}`).join(', ')}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  send<T = unknown>(method: string, params: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`worker did not answer ${method} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer)
          resolve(v as T)
        },
        reject: (e) => {
          clearTimeout(timer)
          reject(e)
        },
      })
      void this.cdp.send('Target.sendMessageToTarget', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject)
    })
  }

  /** Used JS heap after a full garbage collection, in bytes. */
  async heapAfterGc(): Promise<number> {
    await this.send('HeapProfiler.enable')
    for (let i = 0; i < 3; i++) await this.send('HeapProfiler.collectGarbage')
    const { usedSize } = await this.send<{ usedSize: number }>('Runtime.getHeapUsage')
    return usedSize
  }

  /** A heap snapshot (the .heapsnapshot JSON text), streamed in chunks over the protocol. */
  async heapSnapshot(): Promise<string> {
    const chunks: string[] = []
    const listener = (event: { sessionId: string; message: string }): void => {
      if (event.sessionId !== this.sessionId) return
      const message = JSON.parse(event.message) as { method?: string; params?: { chunk: string } }
      if (message.method === 'HeapProfiler.addHeapSnapshotChunk' && message.params) chunks.push(message.params.chunk)
    }
    this.cdp.on('Target.receivedMessageFromTarget', listener)
    try {
      await this.send('HeapProfiler.enable')
      await this.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false })
    } finally {
      this.cdp.off('Target.receivedMessageFromTarget', listener)
    }
    return chunks.join('')
  }

  async startProfile(): Promise<void> {
    await this.send('Profiler.enable')
    await this.send('Profiler.setSamplingInterval', { interval: 200 })
    await this.send('Profiler.start')
  }

  /** Stops the CPU profile and returns it (a .cpuprofile document). */
  async stopProfile(): Promise<unknown> {
    const { profile } = await this.send<{ profile: unknown }>('Profiler.stop')
    return profile
  }

  async detach(): Promise<void> {
    await this.cdp.detach().catch(() => undefined)
  }
}
