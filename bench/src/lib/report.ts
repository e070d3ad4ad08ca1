/** The stdout table and the JSON file of a run. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Figure, FigureOutcome, Measure } from './figure.js'
import { isFigure } from './figure.js'
import type { MachineDescription } from './machine.js'

export interface RunReport {
  /** Format of this file. */
  format: 1
  startedAt: string
  durationS: number
  mode: 'quick' | 'full'
  machine: MachineDescription
  figures: FigureOutcome[]
  summary: { figures: number; met: number; missed: number; unjudged: number; skipped: number; failed: number }
}

export function summarize(figures: FigureOutcome[]): RunReport['summary'] {
  const measured = figures.filter(isFigure)
  return {
    figures: figures.length,
    met: measured.filter((f) => f.target.met === true).length,
    missed: measured.filter((f) => f.target.met === false).length,
    unjudged: measured.filter((f) => f.target.met === null).length,
    skipped: figures.filter((f) => 'skipped' in f).length,
    failed: figures.filter((f) => 'error' in f).length,
  }
}

export function writeReport(path: string, report: RunReport): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`)
}

/** A fixed-width table of every outcome, for stdout (and for pasting into BENCHMARKS.md). */
export function formatTable(report: RunReport): string {
  // The CPU column only when some figure measured it (the scale-out figures), so other runs keep their shape.
  const withCpu = report.figures.some((f) => isFigure(f) && f.cpu !== undefined)
  const header = ['fig', 'case', 'measured', 'baseline', 'ratio', 'target', 'met', ...(withCpu ? ['cpu, cores busy'] : [])]
  const rows = report.figures.flatMap((f): string[][] => {
    if ('skipped' in f) return [[f.id, f.title, `skipped: ${f.skipped}`, '', '', '', '–']]
    if ('error' in f) return [[f.id, f.title, `FAILED: ${f.error.split('\n')[0] ?? ''}`, '', '', '', '✗']]
    const cells = [f.id, f.case, formatMeasure(f.measured), f.baseline ? formatMeasure(f.baseline) : '—', formatRatio(f), f.target.text, metMark(f)]
    return [withCpu ? [...cells, f.cpu ? formatCpu(f.cpu) : ''] : cells, ...floorRows(f)]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (row: string[]): string => `| ${header.map((_, i) => row[i] ?? '').map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n')
}

/** A figure's raw floors, one row each under it: against the base floor, no target. */
function floorRows(f: Figure): string[][] {
  const base = f.floors?.find((x) => x.base)
  return (f.floors ?? []).map((x) => [f.id, `  floor: ${x.name}`, `${fmt(x.value)} ${x.unit}`, base ? `${fmt(base.value)} ${base.unit}` : '—', `${fmt(x.ratio)}×`, 'none (raw floor)', '–'])
}

function metMark(f: Figure): string {
  return f.target.met === null ? '–' : f.target.met ? 'yes' : 'NO'
}

function formatMeasure(m: Measure): string {
  if (m.p50 !== undefined) return `p50 ${fmt(m.p50)} / p99 ${fmt(m.p99 ?? Number.NaN)} ${m.unit}`
  return `${fmt(m.value ?? Number.NaN)} ${m.unit}`
}

function formatRatio(f: Figure): string {
  const r = f.ratio
  if (!r) return '—'
  if (r.p50 !== undefined) return `${fmt(r.p50)}× / ${fmt(r.p99 ?? Number.NaN)}×`
  return `${fmt(r.value ?? Number.NaN)}×`
}

/** `hubs 0.61+0.58 · client 0.52 · pg 0.31 · redis 0.02 · others 0.3 · machine 1.97`. */
export function formatCpu(cpu: Record<string, number>): string {
  const hubs = Object.keys(cpu).filter((k) => /^hub\d+$/.test(k))
  const parts = hubs.length ? [`hub${hubs.length > 1 ? 's' : ''} ${hubs.map((k) => (cpu[k] ?? 0).toFixed(2)).join('+')}`] : []
  const names: Record<string, string> = { client: 'client', postgres: 'pg', redis: 'redis', others: 'others', machine: 'machine' }
  for (const [key, name] of Object.entries(names)) if (cpu[key] !== undefined) parts.push(`${name} ${(cpu[key] ?? 0).toFixed(2)}`)
  return parts.join(' · ')
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return 'n/a'
  if (Math.abs(x) >= 10_000) return `${(x / 1000).toFixed(Math.abs(x) >= 100_000 ? 0 : 1)}k`
  if (Math.abs(x) >= 100) return x.toFixed(0)
  return String(Number(x.toPrecision(3)))
}
