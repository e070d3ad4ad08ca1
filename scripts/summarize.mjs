#!/usr/bin/env node
// Reads the ledger written by scripts/test.sh and the JSON reports it points at, prints one line
// per suite and then ONE summary line `N passed, N failed` (the line CI reads). Exits 1 if
// anything failed.
//
// Ledger lines (tab-separated): <kind> <name> <exit code> [<json report>]
//   step        counts as 1 passed (exit 0) or 1 failed
//   skip        not counted (suite not present yet), listed for the record
//   vitest      counts numPassedTests / numFailedTests from the vitest JSON report
//   playwright  counts stats.expected + stats.flaky as passed, stats.unexpected as failed
// A runner that exits non-zero without reporting a failed test (crash, import error, missing
// report) counts as 1 failed, so a broken suite can never look green.
import { readFileSync, existsSync } from 'node:fs'

const ledgerPath = process.argv[2] ?? 'test-results/steps.tsv'
const lines = existsSync(ledgerPath)
  ? readFileSync(ledgerPath, 'utf8').split('\n').filter((l) => l.trim() !== '')
  : []

let passed = 0
let failed = 0
const rows = []

const readJson = (path) => {
  try {
    return JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return undefined
  }
}

for (const line of lines) {
  const [kind, name, codeText, report] = line.split('\t')
  const code = Number(codeText)
  if (kind === 'skip') {
    rows.push(`  ${name}: skipped (${report ?? 'not present'})`)
    continue
  }
  if (kind === 'step') {
    if (code === 0) passed += 1
    else failed += 1
    rows.push(`  ${name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`}`)
    continue
  }
  let p = 0
  let f = 0
  let note = ''
  const json = report ? readJson(report) : undefined
  if (kind === 'vitest' && json) {
    p = json.numPassedTests ?? 0
    f = json.numFailedTests ?? 0
    if ((json.numFailedTestSuites ?? 0) > 0) note = `, ${json.numFailedTestSuites} failing file(s)`
  } else if (kind === 'playwright' && json?.stats) {
    p = (json.stats.expected ?? 0) + (json.stats.flaky ?? 0)
    f = json.stats.unexpected ?? 0
    if (json.stats.flaky) note = `, ${json.stats.flaky} flaky`
    if (json.errors?.length) note += `, ${json.errors.length} runner error(s)`
  } else {
    note = `, no readable report at ${report}`
  }
  if (code !== 0 && f === 0) {
    f = 1
    note += `, runner exited ${code}`
  }
  passed += p
  failed += f
  rows.push(`  ${name}: ${p} ok, ${f} failing${note}`)
}

if (lines.length === 0) {
  failed += 1
  rows.push(`  no results recorded in ${ledgerPath}`)
}

console.log('test summary:')
for (const row of rows) console.log(row)
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 ? 1 : 0)
