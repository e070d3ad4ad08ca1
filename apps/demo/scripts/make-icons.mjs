#!/usr/bin/env node
/**
 * Draws the demo's app icons (public/icons/*.png) with no image library: two overlapping white
 * discs (two replicas in accord) on the demo's indigo, anti-aliased by 4×4 supersampling, written
 * as 8-bit RGBA PNGs through node:zlib. Run again after changing the drawing:
 *   node apps/demo/scripts/make-icons.mjs
 * `maskable` icons fill the whole square and keep the drawing inside the central 80% safe zone.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { deflateSync } from 'node:zlib'

const out = new URL('../public/icons/', import.meta.url)
const INDIGO = [0x4f, 0x5b, 0xd5]
const WHITE = [0xff, 0xff, 0xff]

const ICONS = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'maskable-512.png', size: 512, maskable: true },
  { file: 'apple-touch-icon.png', size: 180, maskable: true },
]

/** Coverage of one sample point (unit square coordinates): 0 transparent, 1 background, 2 disc. */
function sample(x, y, maskable) {
  const inset = maskable ? 0 : 0.04
  const radius = maskable ? 0 : 0.2
  if (!insideRoundedSquare(x, y, inset, radius)) return 0
  const scale = maskable ? 0.8 : 1
  const disc = (cx, r) => (x - 0.5 - (cx - 0.5) * scale) ** 2 + (y - 0.5) ** 2 <= (r * scale) ** 2
  const left = disc(0.38, 0.2)
  const right = disc(0.62, 0.2)
  // The overlap is cut out as a thin lens of background, so the two discs read as two.
  const lens = disc(0.38, 0.17) && disc(0.62, 0.17)
  return (left || right) && !lens ? 2 : 1
}

function insideRoundedSquare(x, y, inset, radius) {
  const lo = inset
  const hi = 1 - inset
  if (x < lo || x > hi || y < lo || y > hi) return false
  const cx = Math.min(Math.max(x, lo + radius), hi - radius)
  const cy = Math.min(Math.max(y, lo + radius), hi - radius)
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2
}

function draw(size, maskable) {
  const n = 4
  const rgba = Buffer.alloc(size * size * 4)
  for (let py = 0; py < size; py += 1) {
    for (let px = 0; px < size; px += 1) {
      let bg = 0
      let fg = 0
      for (let sy = 0; sy < n; sy += 1) {
        for (let sx = 0; sx < n; sx += 1) {
          const hit = sample((px + (sx + 0.5) / n) / size, (py + (sy + 0.5) / n) / size, maskable)
          if (hit === 1) bg += 1
          if (hit === 2) fg += 1
        }
      }
      const covered = bg + fg
      const i = (py * size + px) * 4
      for (let c = 0; c < 3; c += 1) rgba[i + c] = covered === 0 ? 0 : Math.round((INDIGO[c] * bg + WHITE[c] * fg) / covered)
      rgba[i + 3] = Math.round((covered / (n * n)) * 255)
    }
  }
  return rgba
}

function png(size, rgba) {
  const raw = Buffer.alloc(size * (size * 4 + 1))
  for (let y = 0; y < size; y += 1) rgba.copy(raw, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4)
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 6, 0, 0, 0], 8) // 8-bit RGBA, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))])
}

function chunk(type, data) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32(bytes) {
  let c = 0xffffffff
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

mkdirSync(out, { recursive: true })
for (const icon of ICONS) {
  writeFileSync(new URL(icon.file, out), png(icon.size, draw(icon.size, icon.maskable)))
  process.stdout.write(`icons: ${icon.file} (${icon.size}×${icon.size}${icon.maskable ? ', maskable' : ''})\n`)
}
