// The app's worker entry, as DESIGN §7 writes it, plus the bench's IndexedDB counters.
import { serveReplica } from '@accord/client/worker'
import { schema } from '../src/schema.js'
import { installIdbTracer } from './idb-tracer.js'

installIdbTracer('accord')
serveReplica({ schema })
