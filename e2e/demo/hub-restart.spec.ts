/**
 * The hub stops and restarts while two devices keep writing: every write reaches every device
 * exactly once (counters exact, no duplicated records), and a device that joins afterwards gets the
 * same state from the hub's storage.
 */
import { expect, test } from '../support/fixtures.js'
import { expectConverged, settle, type Device } from '../support/device.js'
import { SAMPLE, loadSample } from '../support/board.js'

interface WriterWindow {
  stopWriting?: boolean
}

/** Writes in the page until the test says stop; resolves with what it wrote. */
function keepWriting(device: Device, pauseMs: number, createCards: boolean): Promise<{ votes: number; cards: string[] }> {
  return device.run(
    async (demo, { id, pauseMs, createCards }) => {
      const col = demo.db.collection('cards')
      const cards: string[] = []
      let votes = 0
      for (let i = 0; !(window as WriterWindow).stopWriting; i += 1) {
        await col.increment(id, 'votes', 1)
        votes += 1
        if (createCards && i % 7 === 0) {
          const card = `card-${demo.device}-${i}`
          await col.put({ id: card, title: `${demo.device} ${i}`, status: 'todo', votes: 0, tags: [], createdAt: Date.now() })
          cards.push(card)
        } else if (!createCards) {
          await col.addToSet(id, 'tags', `${demo.device}${i % 4}`)
        }
        // Pacing, so the writes spread over the hub's restarts (not a wait for a condition).
        await new Promise((resolve) => setTimeout(resolve, pauseMs))
      }
      return { votes, cards }
    },
    { id: SAMPLE.card, pauseMs, createCards },
  )
}

async function stopWriting(device: Device): Promise<void> {
  await device.page.evaluate(() => ((window as WriterWindow).stopWriting = true))
}

test('the hub restarted while devices are syncing: nothing lost, nothing duplicated', async ({ devices, hub }) => {
  const a = await devices.open({ name: 'A' })
  const b = await devices.open({ name: 'B', worker: 'dedicated' })
  await loadSample(a, b)

  const writingA = keepWriting(a, 40, true)
  const writingB = keepWriting(b, 50, false)
  const cursor = async (): Promise<number> => (await b.status()).cursor
  const start = await cursor()
  await expect.poll(cursor).toBeGreaterThan(start + 5)
  await hub.restart()
  await expect.poll(cursor, { timeout: 20_000 }).toBeGreaterThan(start + 25)
  await hub.stop()
  await expect.poll(async () => (await a.status()).pending).toBeGreaterThan(3)
  await hub.start()
  const resumed = await cursor()
  await expect.poll(cursor, { timeout: 20_000 }).toBeGreaterThan(resumed + 10)
  await Promise.all([stopWriting(a), stopWriting(b)])
  const [wroteA, wroteB] = await Promise.all([writingA, writingB])
  await settle([a, b])

  const converged = await expectConverged([a, b])
  const card = converged.cards.find((c) => c.id === SAMPLE.card)!
  expect(card.votes).toBe(2 + wroteA.votes + wroteB.votes)
  expect([...card.tags].sort()).toEqual(['B0', 'B1', 'B2', 'B3', 'docs'])
  expect(converged.cards.filter((c) => c.id.startsWith('card-A-')).map((c) => c.id).sort()).toEqual([...wroteA.cards].sort())
  expect(new Set(converged.cards.map((c) => c.id)).size).toBe(converged.cards.length)

  // A device that joins now reads the hub's storage: the same state, no duplicates.
  const c = await devices.open({ name: 'C' })
  await c.flush()
  await expectConverged([a, c])
  expect((await a.conflicts()).filter((r) => r.rejected)).toEqual([])
})

test('the hub comes back on new storage: devices adopt its state and still sync their pending writes', async ({ devices, hub }, testInfo) => {
  const link = await hub.openLink()
  const a = await devices.open({ name: 'A', hubUrl: link.url })
  const b = await devices.open({ name: 'B', worker: 'dedicated' })
  await loadSample(a, b)

  link.cut()
  await a.page.getByTestId('new-card-title').fill('Pending while the hub lost its store')
  await a.page.getByTestId('new-card-title').press('Enter')
  await a.expectPending(1)
  // DESIGN §3 rule 1: another storeId makes replicas re-pull from 0 (confirmed state replaced,
  // outbox kept, pending changes moved to a fresh writer when the hub no longer knows theirs).
  await hub.restartOnNewStorage(testInfo.outputPath('hub-new-storage.db'))
  link.restore()
  await a.expectPending(0, 20_000)
  await settle([a, b])
  const converged = await expectConverged([a, b])
  expect(converged.cards.map((c) => c.title)).toEqual(['Pending while the hub lost its store'])
  const c = await devices.open({ name: 'C' })
  await c.flush()
  await expectConverged([a, b, c])
})
