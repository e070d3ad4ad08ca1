import type { FigureModule } from '../lib/figure.js'
import { p10 } from './p10-worker-heap.js'
import { p11 } from './p11-scale-out.js'
import { p1 } from './p1-local-write.js'
import { p2 } from './p2-bulk-import.js'
import { p3 } from './p3-live-query.js'
import { p4 } from './p4-propagation.js'
import { p5 } from './p5-hub-ingest.js'
import { p6 } from './p6-fan-out.js'
import { p7 } from './p7-catch-up.js'
import { p8 } from './p8-wire-bytes.js'
import { p9 } from './p9-bundle.js'

/** Every figure, in the order a run measures them: Node figures first, then the browser ones. */
export const FIGURES: FigureModule[] = [p5, p6, p11, p8, p9, p1, p2, p3, p4, p7, p10]
