// Types: a TypeScript program written for @letta-ai/letta-client 1.x compiles with `tsc --strict`
// against the official SDK's types and against letta-wasm's (types/program.ts), and letta-wasm's own
// exports type-check (types/named.ts). Uses the repository's tsc (node_modules/.bin, from setup.sh).
import test from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const TSC = fileURLToPath(new URL('../../node_modules/.bin/tsc', import.meta.url));
const DIR = fileURLToPath(new URL('./types/', import.meta.url));

function tsc(project) {
  return new Promise((resolve) => {
    execFile(TSC, ['-p', project], { cwd: DIR, timeout: 120_000 }, (err, stdout, stderr) => resolve({ code: err ? (err.code ?? 1) : 0, out: stdout + stderr }));
  });
}

test('a 1.x TypeScript program compiles against the official SDK and against letta-wasm', { timeout: 240_000 }, async () => {
  assert.ok(existsSync(TSC), `${TSC} missing: run scripts/setup.sh`);
  const sdk = await tsc('tsconfig.sdk.json');
  assert.equal(sdk.code, 0, `against @letta-ai/letta-client 1.12.1:\n${sdk.out}`);
  const wasm = await tsc('tsconfig.wasm.json');
  assert.equal(wasm.code, 0, `against letta-wasm:\n${wasm.out}`);
});
