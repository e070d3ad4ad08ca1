/**
 * A three-way, line-based merge for the notes collection's `custom` policy. Pure and deterministic:
 * the hub runs it, and every replica applies what it decided.
 *
 * Starting from the remote text (what the hub holds), it drops the lines the local writer removed
 * from its base and inserts the lines the local writer added, each after the line that precedes it
 * in the local text (or at the top). A line both sides added appears once.
 */
export function mergeLines(base: string, local: string, remote: string): string {
  if (local === remote) return remote
  const baseLines = splitLines(base)
  const localLines = splitLines(local)
  const baseSet = new Set(baseLines)
  const localSet = new Set(localLines)
  const removedByLocal = new Set(baseLines.filter((line) => !localSet.has(line)))
  const result = splitLines(remote).filter((line) => !removedByLocal.has(line))
  let previous: string | undefined
  for (const line of localLines) {
    if (!baseSet.has(line) && !result.includes(line)) {
      const at = previous === undefined ? -1 : result.lastIndexOf(previous)
      result.splice(at + 1, 0, line)
    }
    previous = line
  }
  return result.join('\n')
}

function splitLines(text: string): string[] {
  return text === '' ? [] : text.split('\n')
}
