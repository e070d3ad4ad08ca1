// The demo's worker entry (DESIGN §7): hosts the replicas of every tab and device frame of this
// origin, as a SharedWorker or, in the fallback, one dedicated Worker per page.
import { serveReplica } from '@accord/client/worker'
import { schema } from './schema.js'

serveReplica({ schema })
