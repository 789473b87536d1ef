// The Python `letta-client` from PyPI against the fetch handler served by node:http on loopback.
// Needs the venv scripts/test.sh makes (target/venv with letta-client); LETTA_SDK_PYTHON overrides.
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { backend } from './helpers.mjs';
import { serve } from './node-server.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PYTHON = process.env.LETTA_SDK_PYTHON ?? `${ROOT}target/venv/bin/python`;
const SCRIPT = fileURLToPath(new URL('./python/scenario.py', import.meta.url));
const LIMIT_MS = 90_000;

/** Runs `python script args...`; resolves to { code, stdout, stderr }; killed after LIMIT_MS. */
function run(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_PROXY: '127.0.0.1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), LIMIT_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

test('Python letta-client (PyPI) runs the scenario over HTTP on 127.0.0.1', { timeout: LIMIT_MS + 10_000 }, async (t) => {
  assert.ok(existsSync(PYTHON), `no Python with letta-client at ${PYTHON}: run scripts/test.sh (it makes target/venv), or set LETTA_SDK_PYTHON`);
  const apiKey = `sk-${Math.random().toString(36).slice(2)}`;
  const { client, handler } = backend(t, { apiKey });
  client.scripted.define('worker', [
    { toolCalls: [{ name: 'memory_replace', arguments: { label: 'organization', old_string: 'Nothing here yet.', new_string: 'Organization: Letta' } }] },
    { content: 'Noted.' },
  ]);
  client.scripted.define('boss', [{ reasoning: 'Greet the team.', content: 'Hello team' }, { content: 'Again' }]);
  const server = await serve(handler);
  t.after(() => server.close());

  const { code, signal, stdout, stderr } = await run([server.url, apiKey]);
  assert.equal(code, 0, `python exited ${code ?? signal}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
  assert.match(stdout, /scenario passed/);
  // The agents it made are in the engine behind the server.
  const agents = await client.agents.list({ tags: ['team'] });
  assert.deepEqual(agents.map((a) => a.name).sort(), ['boss', 'worker']);
  assert.equal((await client.blocks.list({ label: 'organization' }))[0].value, 'Organization: Letta');
});
