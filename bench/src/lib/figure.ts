/** What every figure reports: measured beside its baseline, a ratio, and the target. */

export interface Measure {
  unit: string
  /** A single value (throughput, bytes). */
  value?: number
  /** Latency percentiles. */
  p50?: number
  p99?: number
  /** Samples behind the figure. */
  n?: number
  /** What exactly was measured or computed, in words. */
  what: string
  [extra: string]: unknown
}

export interface Figure {
  /** P1 … P10. */
  id: string
  title: string
  /** The variant: "100 clients", "batch of 100", … */
  case: string
  /** Durability of every store involved, stated per figure. */
  durability: string
  measured: Measure
  baseline: Measure | null
  ratio: { value?: number; p50?: number; p99?: number } | null
  target: { text: string; met: boolean | null }
  notes?: string[]
  /**
   * Raw designs measured beside the figure, in the same run and worker, with the same records: the
   * cheapest conceivable layouts of what the figure must store. No target; printed as extra rows.
   */
  floors?: Floor[]
  detail?: Record<string, unknown>
  /**
   * Cores busy per process while the figure was measured (CPU ms ÷ wall ms; 1.0 is one core):
   * `hub1`…, `client`, `postgres`, `redis`, `machine` for every core's busy time and `others` for
   * what none of those used (other sessions on a shared machine). Shown as a
   * column of the table when a figure has it.
   */
  cpu?: Record<string, number>
}

/**
 * One raw design's cost. `ratio` is against the floor marked `base` (the bare value write), in the
 * figure's own direction: a time ÷ the base's time, a throughput ÷ the base's throughput.
 */
export interface Floor {
  name: string
  unit: string
  value: number
  ratio: number
  base?: true
  what: string
  [extra: string]: unknown
}

export interface SkippedFigure {
  id: string
  title: string
  skipped: string
}

export interface FailedFigure {
  id: string
  title: string
  error: string
}

export type FigureOutcome = Figure | SkippedFigure | FailedFigure

export interface RunContext {
  quick: boolean
  /** A scratch directory for this run, removed at the end. */
  tmp: string
  log: (line: string) => void
  /** Debian's Chromium, or undefined when there is none (browser figures are then skipped). */
  chromiumPath: string | undefined
  /** When set, figures that can profile write .cpuprofile files here. */
  profileDir: string | undefined
  /** `--only`: a module measuring several ids may skip the work of those not asked for. */
  only: ReadonlySet<string> | undefined
}

export interface FigureModule {
  ids: string[]
  title: string
  needsBrowser?: boolean
  /** A figure whose service is missing (PostgreSQL, Redis) reports itself skipped, with the reason. */
  run(ctx: RunContext): Promise<Array<Figure | SkippedFigure>>
}

export const isFigure = (o: FigureOutcome): o is Figure => 'measured' in o
