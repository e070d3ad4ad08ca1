import { describe, expect, it } from 'vitest'
import { parseCliArgs } from './cli-args.js'

describe('accord-hub arguments', () => {
  it('has defaults for everything but the schema', () => {
    expect(parseCliArgs(['--schema', 's.js'])).toEqual({ port: 8787, host: undefined, db: './accord-hub.db', schema: 's.js', log: 'pretty', cors: [] })
    expect(parseCliArgs(['--schema', 's.ts', '--port', '0', '--host', '127.0.0.1', '--db', 'x.db', '--log', 'json', '--cors', 'https://a', '--cors', 'https://b'])).toEqual({
      port: 0, host: '127.0.0.1', db: 'x.db', schema: 's.ts', log: 'json', cors: ['https://a', 'https://b'],
    })
    expect(parseCliArgs(['--help'])).toBe('help')
  })

  it('refuses what it cannot use', () => {
    expect(() => parseCliArgs([])).toThrow(/--schema is required/)
    expect(() => parseCliArgs(['--schema', 's.js', '--port', 'http'])).toThrow(/--port/)
    expect(() => parseCliArgs(['--schema', 's.js', '--log', 'xml'])).toThrow(/--log/)
    expect(() => parseCliArgs(['--schema', 's.js', '--verbose'])).toThrow()
  })
})
