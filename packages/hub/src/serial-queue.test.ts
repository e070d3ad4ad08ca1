import { describe, expect, it } from 'vitest'
import { KeyedSerialQueue } from './serial-queue.js'

describe('KeyedSerialQueue', () => {
  it('runs jobs of one key one at a time in order, other keys alongside, failures not blocking', async () => {
    const queue = new KeyedSerialQueue()
    const log: string[] = []
    let releaseA: () => void = () => undefined
    const gate = new Promise<void>((resolve) => (releaseA = resolve))
    const a1 = queue.run('a', async () => {
      log.push('a1 start')
      await gate
      log.push('a1 end')
      throw new Error('a1 failed')
    })
    const a2 = queue.run('a', async () => void log.push('a2'))
    const b1 = queue.run('b', async () => void log.push('b1'))
    await b1
    expect(log).toEqual(['a1 start', 'b1'])
    releaseA()
    await expect(a1).rejects.toThrow('a1 failed')
    await a2
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2'])
    await queue.idle()
  })
})
