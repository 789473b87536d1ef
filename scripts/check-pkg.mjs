#!/usr/bin/env node
// Sanity checks of the assembled npm package (scripts/build.sh runs this):
//   - package.json parses and has a name and version;
//   - every relative path named by main/module/types/typings/browser/bin/exports
//     exists in the package AND is in the list `npm pack` would publish
//     (so a "files" field cannot silently drop the .wasm or an entry);
//   - the wasm-bindgen output (<out-name>_bg.wasm and <out-name>.js) is published;
//   - every published .js/.mjs/.cjs file passes `node --check` (syntax).
//
//   node scripts/check-pkg.mjs [pkgDir=pkg] [--out-name letta_wasm]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';

const args = process.argv.slice(2);
let pkgDir = 'pkg';
let outName = 'letta_wasm';
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--out-name') outName = args[++i];
  else pkgDir = args[i];
}
pkgDir = resolve(pkgDir);
const errors = [];
const fail = (m) => errors.push(m);

let pj;
try {
  pj = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
} catch (e) {
  console.error(`check-pkg: cannot read ${pkgDir}/package.json: ${e.message}`);
  process.exit(1);
}
if (!pj.name) fail('package.json has no "name"');
if (!pj.version) fail('package.json has no "version"');

const packed = JSON.parse(
  (() => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: pkgDir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return out.slice(out.indexOf('['));
  })(),
)[0];
const published = new Set(packed.files.map((f) => f.path));

// Collect the relative targets the manifest names.
const targets = []; // [where, path]
const collect = (where, v) => {
  if (typeof v === 'string') {
    if (v.startsWith('./') || (!v.startsWith('.') && !v.includes(':') && /\.(m?js|cjs|json|d\.ts|d\.mts|wasm)$/.test(v))) {
      targets.push([where, v]);
    }
  } else if (Array.isArray(v)) v.forEach((x, i) => collect(`${where}[${i}]`, x));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) collect(`${where}.${k}`, x);
};
for (const key of ['main', 'module', 'types', 'typings', 'bin', 'exports']) if (pj[key] !== undefined) collect(key, pj[key]);
if (typeof pj.browser === 'string') collect('browser', pj.browser);
else if (pj.browser && typeof pj.browser === 'object') {
  // "browser": { "./a.js": "./b.js" | false }: both sides are package paths.
  for (const [k, x] of Object.entries(pj.browser)) {
    collect(`browser key`, k);
    if (x !== false) collect(`browser.${k}`, x);
  }
}
for (const [where, p] of targets) {
  if (p.includes('*')) {
    // Subpath pattern: require at least one published file to match.
    const [pre, post] = posix.normalize(p).split('*');
    if (![...published].some((f) => f.startsWith(pre.replace(/^\.\//, '')) && f.endsWith(post))) {
      fail(`${where}: pattern ${p} matches no published file`);
    }
    continue;
  }
  const rel = posix.normalize(p).replace(/^\.\//, '');
  if (!existsSync(join(pkgDir, rel))) fail(`${where}: ${p} does not exist in ${pkgDir}`);
  else if (!published.has(rel)) fail(`${where}: ${p} exists but npm pack would not publish it (check "files")`);
}
for (const f of [`${outName}_bg.wasm`, `${outName}.js`]) {
  if (!published.has(f)) fail(`${f} (wasm-bindgen output) is not in the published files`);
}
for (const f of published) {
  if (!/\.(m?js|cjs)$/.test(f)) continue;
  try {
    execFileSync(process.execPath, ['--check', join(pkgDir, f)], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    fail(`node --check ${f}: ${String(e.stderr).trim().split('\n').slice(0, 6).join('\n    ')}`);
  }
}

if (errors.length) {
  console.error(`check-pkg: ${errors.length} problem(s) in ${pkgDir}:`);
  for (const m of errors) console.error(`  - ${m}`);
  process.exit(1);
}
console.log(`check-pkg: ok (${pj.name}@${pj.version}, ${published.size} files, ${targets.length} manifest paths checked)`);
