import { serveReplica } from '@accord/client/worker'
import { schema } from './schema'

serveReplica({ schema })
