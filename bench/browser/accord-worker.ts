// The app's worker entry, as DESIGN §7 writes it.
import { serveReplica } from '@accord/client/worker'
import { schema } from '../src/schema.js'

serveReplica({ schema })
