/**
 * Summarizes a V8 .cpuprofile (from `pnpm bench --profile`, or `node --cpu-prof`): self time per
 * function and per file, heaviest first, and total time per function including callees.
 *   node --import tsx bench/src/tools/profile-summary.ts <file.cpuprofile> [top=25]
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

const [file, topArg] = process.argv.slice(2)
if (!file) {
  console.error('usage: profile-summary <file.cpuprofile> [top]')
  process.exit(2)
}
const top = Number(topArg ?? 25)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)

const selfUs = new Map<number, number>()
profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)))
const totalUs = profile.endTime - profile.startTime

const label = (n: ProfileNode): string => {
  const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/.*node_modules\/\.pnpm\/([^/]+)\/node_modules\//, '$1:').replace(/.*\/work\/main\//, '')
  return `${n.callFrame.functionName || '(anonymous)'} ${url}:${n.callFrame.lineNumber + 1}`
}

const selfByLabel = new Map<string, number>()
const selfByFile = new Map<string, number>()
const inclusiveByLabel = new Map<string, number>()
for (const [id, us] of selfUs) {
  const node = byId.get(id) as ProfileNode
  selfByLabel.set(label(node), (selfByLabel.get(label(node)) ?? 0) + us)
  const fileKey = node.callFrame.url ? label(node).split(' ').slice(1).join(' ').replace(/:\d+$/, '') : node.callFrame.functionName
  selfByFile.set(fileKey, (selfByFile.get(fileKey) ?? 0) + us)
  const seen = new Set<string>()
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur) as ProfileNode)
    if (seen.has(l)) continue
    seen.add(l)
    inclusiveByLabel.set(l, (inclusiveByLabel.get(l) ?? 0) + us)
  }
}

const print = (title: string, map: Map<string, number>): void => {
  console.log(`\n${title}`)
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1000).toFixed(1).padStart(9)} ms ${((us / totalUs) * 100).toFixed(1).padStart(5)}%  ${name}`)
  }
}
console.log(`profile: ${(totalUs / 1000).toFixed(0)} ms wall, ${profile.samples.length} samples`)
print('self time by function', selfByLabel)
print('self time by file', selfByFile)
print('total time by function (with callees)', inclusiveByLabel)
