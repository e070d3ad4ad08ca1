#!/usr/bin/env node
// Checks that every workspace package under packages/* can be packed and installed by an app
// outside the workspace: publint (strict, warnings are errors) plus our own rule that every
// `exports` entry has `types` and `default` conditions pointing at files that exist in dist/.
// Requires the build (`pnpm run build`) to have run. Exits 1 on any error.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'

const root = fileURLToPath(new URL('..', import.meta.url))
const packagesDir = join(root, 'packages')

const hasSources = (dir) =>
  existsSync(dir) &&
  readdirSync(dir, { recursive: true }).some((f) => /\.(m|c)?tsx?$/.test(String(f)) && !String(f).endsWith('.d.ts'))

// Every string leaf under an exports value, with its condition path.
function* leaves(value, path) {
  if (typeof value === 'string') yield { path, target: value }
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* leaves(v, [...path, String(i)])
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) yield* leaves(v, [...path, k])
}

// A target exists; a subpath pattern ("./dist/*.js") needs at least one matching file.
function targetExists(pkgDir, target) {
  if (!target.includes('*')) return existsSync(join(pkgDir, target)) && statSync(join(pkgDir, target)).isFile()
  const [prefix, suffix] = target.split('*')
  const dir = join(pkgDir, prefix.slice(0, prefix.lastIndexOf('/') + 1))
  if (!existsSync(dir)) return false
  return readdirSync(dir, { recursive: true }).some((f) => {
    const rel = './' + relative(pkgDir, join(dir, String(f))).split('\\').join('/')
    return rel.startsWith(prefix) && rel.endsWith(suffix)
  })
}

function checkExportsMap(pkgDir, pkg) {
  const errors = []
  const { exports } = pkg
  if (exports === undefined) return ['no "exports" field']
  const entries =
    typeof exports === 'string' || !Object.keys(exports).some((k) => k.startsWith('.'))
      ? [['.', exports]]
      : Object.entries(exports)
  for (const [subpath, value] of entries) {
    if (subpath === './package.json') continue
    const where = `exports["${subpath}"]`
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      errors.push(`${where} should be an object with "types" and "default" conditions`)
      continue
    }
    if (!('types' in value)) errors.push(`${where} has no "types" condition`)
    if (!('default' in value)) errors.push(`${where} has no "default" condition`)
    for (const { path, target } of leaves(value, [])) {
      const at = `${where}.${path.join('.')}`
      if (!target.startsWith('./dist/')) errors.push(`${at} = "${target}" does not point into ./dist/`)
      else if (!targetExists(pkgDir, target)) errors.push(`${at} = "${target}" does not exist (did the build run?)`)
    }
  }
  return errors
}

let errorCount = 0
let checked = 0
const dirs = existsSync(packagesDir) ? readdirSync(packagesDir).sort() : []
for (const name of dirs) {
  const pkgDir = join(packagesDir, name)
  const pkgJson = join(pkgDir, 'package.json')
  if (!existsSync(pkgJson)) {
    console.log(`packages/${name}: skipped (no package.json yet)`)
    continue
  }
  if (!hasSources(join(pkgDir, 'src'))) {
    console.log(`packages/${name}: skipped (no sources in src/ yet)`)
    continue
  }
  checked += 1
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8'))
  const label = pkg.name ?? `packages/${name}`
  const problems = []

  const result = await publint({ pkgDir, level: 'warning', strict: true })
  for (const message of result.messages) {
    const text = formatMessage(message, result.pkg, { color: false }) ?? message.code
    problems.push({ type: message.type, text: `publint ${message.code}: ${text}` })
  }
  for (const text of checkExportsMap(pkgDir, pkg)) problems.push({ type: 'error', text })

  const errors = problems.filter((p) => p.type === 'error').length
  errorCount += errors
  console.log(`${label}: ${errors === 0 ? 'ok' : `${errors} error(s)`}`)
  for (const p of problems) console.log(`  ${p.type}: ${p.text}`)
}

if (checked === 0) console.log('no packages to check yet')
if (errorCount > 0) {
  console.log(`exports check: ${errorCount} error(s)`)
  process.exit(1)
}
