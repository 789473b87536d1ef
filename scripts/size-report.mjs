#!/usr/bin/env node
// Size report of the built npm package.
//
//   node scripts/size-report.mjs [pkgDir=pkg] [--json out.json] [--pack-dest dir]
//
// Rows: every .wasm at the package root, the wasm-bindgen JS glue, the sum of
// all files npm would publish (each compressed on its own), and the `npm pack`
// tarball (raw = the uncompressed tar, gzip = the .tgz npm wrote, brotli = the
// tar under brotli -q 11). Columns: raw bytes, gzip -9, brotli (quality 11).
// Prints a table, writes JSON (default target/size-report.json) and, when an
// earlier JSON exists there, the change of each row's brotli size.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { brotliCompressSync, constants as zc, gunzipSync, gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
let pkgDir = 'pkg';
let jsonOut = 'target/size-report.json';
let packDest = null;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--json') jsonOut = args[++i];
  else if (a === '--pack-dest') packDest = args[++i];
  else if (a === '-h' || a === '--help') {
    console.log('usage: node scripts/size-report.mjs [pkgDir] [--json out.json] [--pack-dest dir]');
    process.exit(0);
  } else if (a.startsWith('-')) {
    console.error(`size-report: unknown option ${a}`);
    process.exit(2);
  } else pkgDir = a;
}
pkgDir = resolve(pkgDir);
if (!existsSync(join(pkgDir, 'package.json'))) {
  console.error(`size-report: ${pkgDir}/package.json not found (run scripts/build.sh first)`);
  process.exit(1);
}

const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const br = (buf) =>
  brotliCompressSync(buf, {
    params: {
      [zc.BROTLI_PARAM_QUALITY]: zc.BROTLI_MAX_QUALITY,
      [zc.BROTLI_PARAM_SIZE_HINT]: buf.length,
    },
  }).length;
const measure = (buf) => ({ raw: buf.length, gzip: gz(buf), brotli: br(buf) });

// npm pack: the authoritative list of published files, and the tarball.
const dest = resolve(packDest ?? join('target', 'size-report-pack'));
const ownDest = packDest === null;
mkdirSync(dest, { recursive: true });
let packInfo;
try {
  const out = execFileSync(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', dest],
    { cwd: pkgDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // npm prints the JSON array; be tolerant of anything before it.
  packInfo = JSON.parse(out.slice(out.indexOf('[')))[0];
} catch (e) {
  console.error(`size-report: npm pack failed in ${pkgDir}\n${e.stderr ?? e.message}`);
  process.exit(1);
}
const tgzPath = join(dest, packInfo.filename);
const tgz = readFileSync(tgzPath);
const tar = gunzipSync(tgz);

const rows = [];
const files = packInfo.files.map((f) => f.path).sort();
const rootWasm = files.filter((f) => !f.includes('/') && f.endsWith('.wasm'));
for (const f of rootWasm) rows.push({ name: f, files: 1, ...measure(readFileSync(join(pkgDir, f))) });
for (const f of rootWasm) {
  const glue = f.replace(/_bg\.wasm$/, '.js');
  if (glue !== f && files.includes(glue)) {
    rows.push({ name: `${glue} (glue)`, files: 1, ...measure(readFileSync(join(pkgDir, glue))) });
  }
}
const total = { name: `package files (sum of ${files.length})`, files: files.length, raw: 0, gzip: 0, brotli: 0 };
const perFile = [];
for (const f of files) {
  const m = measure(readFileSync(join(pkgDir, f)));
  perFile.push({ path: f, ...m });
  total.raw += m.raw;
  total.gzip += m.gzip;
  total.brotli += m.brotli;
}
rows.push(total);
rows.push({ name: `npm pack ${packInfo.filename}`, files: files.length, raw: tar.length, gzip: tgz.length, brotli: br(tar) });

// Compare with the previous report, if any.
let prev = null;
try {
  prev = JSON.parse(readFileSync(jsonOut, 'utf8'));
} catch {
  /* first report */
}
const prevRow = (name) => prev?.rows?.find((r) => r.name.split(' ')[0] === name.split(' ')[0]);

const kib = (n) => (n / 1024).toFixed(1) + ' KiB';
const delta = (r) => {
  const p = prevRow(r.name);
  if (!p) return '';
  const d = r.brotli - p.brotli;
  return d === 0 ? '=' : (d > 0 ? '+' : '') + d + ' B';
};
const table = [
  ['', 'raw', 'gzip -9', 'brotli', prev ? 'Δ brotli' : ''],
  ...rows.map((r) => [r.name, kib(r.raw), kib(r.gzip), kib(r.brotli), delta(r)]),
];
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
console.log(`size report: ${packInfo.name}@${packInfo.version} (${pkgDir})`);
for (const row of table) {
  console.log(
    '  ' + row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd(),
  );
}

const report = {
  package: packInfo.name,
  version: packInfo.version,
  date: new Date().toISOString(),
  units: 'bytes; gzip level 9; brotli quality 11',
  rows,
  tarball: { filename: packInfo.filename, ...(ownDest ? {} : { path: tgzPath }), size: tgz.length, unpackedSize: packInfo.unpackedSize, entryCount: packInfo.entryCount },
  files: perFile,
};
mkdirSync(dirname(resolve(jsonOut)), { recursive: true });
writeFileSync(jsonOut, JSON.stringify(report, null, 2) + '\n');
console.log(`  (written to ${jsonOut})`);
if (ownDest) rmSync(dest, { recursive: true, force: true });
