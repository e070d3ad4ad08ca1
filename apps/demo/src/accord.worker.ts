// The demo's worker entry (DESIGN §7): hosts the replicas of every tab and device frame of this
// origin, as a SharedWorker or, in the fallback, one dedicated Worker per page. Its warnings and
// errors go to the console tagged with the build, so after a deploy the old build's SharedWorker
// (still serving tabs that have not reloaded yet) and the new one can be told apart.
import { serveReplica } from '@accord/client/worker'
import { DEMO_BUILD } from './build.js'
import { schema } from './schema.js'

const tag = `[accord-demo worker ${DEMO_BUILD}]`
serveReplica({
  schema,
  logger: {
    debug: () => undefined,
    info: () => undefined,
    warn: (message, fields) => console.warn(tag, message, fields ?? ''),
    error: (message, fields) => console.error(tag, message, fields ?? ''),
  },
})
