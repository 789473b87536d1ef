// Type-checks index.d.ts / slim.d.ts against the seed and a tour of the API, with tsc --strict.
// Uses the repo's dev dependency `typescript` (npm install at the repo root); skipped without it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  tsc = null;
}

test('index.d.ts: the seed and the API tour type-check under --strict', { skip: !tsc && 'typescript not installed' }, () => {
  const project = fileURLToPath(new URL('./types/tsconfig.json', import.meta.url));
  try {
    execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8', stdio: 'pipe' });
  } catch (e) {
    assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
  }
});
