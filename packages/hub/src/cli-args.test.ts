import { describe, expect, it } from 'vitest'
import { parseCliArgs } from './cli-args.js'

describe('accord-hub arguments', () => {
  it('has defaults for everything but the schema', () => {
    expect(parseCliArgs(['--schema', 's.js'])).toEqual({
      command: 'serve', port: 8787, host: undefined, schema: 's.js', log: 'pretty', cors: [], store: { kind: 'sqlite', path: './accord-hub.db' }, redis: undefined,
    })
    expect(parseCliArgs(['--schema', 's.ts', '--port', '0', '--host', '127.0.0.1', '--db', 'x.db', '--log', 'json', '--cors', 'https://a', '--cors', 'https://b'])).toEqual({
      command: 'serve', port: 0, host: '127.0.0.1', schema: 's.ts', log: 'json', cors: ['https://a', 'https://b'], store: { kind: 'sqlite', path: 'x.db' }, redis: undefined,
    })
    expect(parseCliArgs(['--help'])).toBe('help')
  })

  it('runs a cluster node on PostgreSQL and Redis', () => {
    expect(parseCliArgs(['--schema', 's.js', '--store', 'postgres', '--pg', 'postgres://u@db:5432/app', '--redis', 'redis://cache:6379'])).toMatchObject({
      store: { kind: 'postgres', url: 'postgres://u@db:5432/app', schema: 'accord' },
      redis: { url: 'redis://cache:6379', key: 'accord' },
    })
    // --pg alone chooses PostgreSQL; --store postgres alone reads the PG* environment.
    expect(parseCliArgs(['--schema', 's.js', '--pg', 'postgresql://db/app', '--pg-schema', 'team_a', '--redis', 'rediss://c', '--redis-key', 'team-a'])).toMatchObject({
      store: { kind: 'postgres', url: 'postgresql://db/app', schema: 'team_a' },
      redis: { url: 'rediss://c', key: 'team-a' },
    })
    expect(parseCliArgs(['--schema', 's.js', '--store', 'postgres'])).toMatchObject({ store: { kind: 'postgres', url: undefined, schema: 'accord' } })
    expect(parseCliArgs(['--schema', 's.js', '--redis', 'redis://c'])).toMatchObject({ store: { kind: 'sqlite' }, redis: { url: 'redis://c' } })
  })

  it('resets store ids without a schema module', () => {
    expect(parseCliArgs(['--reset-store-ids', '--db', 'x.db'])).toEqual({ command: 'reset-store-ids', log: 'pretty', store: { kind: 'sqlite', path: 'x.db' } })
    expect(parseCliArgs(['--reset-store-ids', '--pg', 'postgres://db/app'])).toEqual({
      command: 'reset-store-ids', log: 'pretty', store: { kind: 'postgres', url: 'postgres://db/app', schema: 'accord' },
    })
  })

  it('refuses what it cannot use', () => {
    expect(() => parseCliArgs([])).toThrow(/--schema is required/)
    expect(() => parseCliArgs(['--schema', 's.js', '--port', 'http'])).toThrow(/--port/)
    expect(() => parseCliArgs(['--schema', 's.js', '--log', 'xml'])).toThrow(/--log/)
    expect(() => parseCliArgs(['--schema', 's.js', '--verbose'])).toThrow()
    expect(() => parseCliArgs(['--schema', 's.js', '--store', 'mysql'])).toThrow(/--store/)
    expect(() => parseCliArgs(['--schema', 's.js', '--store', 'sqlite', '--pg', 'postgres://db'])).toThrow(/--pg/)
    expect(() => parseCliArgs(['--schema', 's.js', '--pg', 'postgres://db', '--db', 'x.db'])).toThrow(/--db/)
    expect(() => parseCliArgs(['--schema', 's.js', '--pg', 'mysql://db'])).toThrow(/--pg must be/)
    expect(() => parseCliArgs(['--schema', 's.js', '--pg', 'postgres://db', '--pg-schema', 'Bad-Name'])).toThrow(/--pg-schema/)
    expect(() => parseCliArgs(['--schema', 's.js', '--redis', 'http://c'])).toThrow(/--redis must be/)
    expect(() => parseCliArgs(['--schema', 's.js', '--redis-key', 'k'])).toThrow(/--redis-key needs/)
  })
})
