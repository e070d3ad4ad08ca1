import { execFileSync } from 'node:child_process'
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os'

/** What the figures ran on: every JSON report carries it. */
export interface MachineDescription {
  cpu: string
  cores: number
  memoryGiB: number
  freeMemoryGiB: number
  os: string
  node: string
  chromium: string | null
  /** The filesystem of the temporary directory (SQLite files live there). */
  tmpdir: string
  /** 1-minute load average when the run started and ended: other work on the machine skews every figure. */
  loadAverage: { start: number; end: number | null }
}

/** Describes this machine; `chromiumPath` is asked for its version when given. */
export function describeMachine(chromiumPath: string | undefined): MachineDescription {
  const cpuList = cpus()
  return {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    freeMemoryGiB: Number((freemem() / 2 ** 30).toFixed(1)),
    os: `${platform()} ${release()}`,
    node: process.version,
    chromium: chromiumPath ? chromiumVersion(chromiumPath) : null,
    tmpdir: process.env.TMPDIR ?? '/tmp',
    loadAverage: { start: Number((loadavg()[0] ?? 0).toFixed(2)), end: null },
  }
}

function chromiumVersion(path: string): string | null {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).trim()
  } catch {
    return null
  }
}

/** The 1-minute load average now. */
export function currentLoad(): number {
  return Number((loadavg()[0] ?? 0).toFixed(2))
}
