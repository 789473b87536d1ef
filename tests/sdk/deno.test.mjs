// The fetch handler in Deno: `Deno.serve(handler)` (deno/server.mjs, the package resolved from
// node_modules with its `deno` export condition), and the official 1.x SDK talking to it over loopback
// HTTP. The Deno binary comes from the npm package `@deno/linux-x64-glibc` (an optional dependency:
// installed on Linux x64, where the tests run; elsewhere set LETTA_DENO or the test is skipped, saying so).
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SdkLetta, * as Sdk from 'letta1';

const DIR = fileURLToPath(new URL('.', import.meta.url));
const DENO = process.env.LETTA_DENO ?? join(DIR, 'node_modules/@deno/linux-x64-glibc/deno');
const LIMIT_MS = 60_000;

/** Starts deno/server.mjs; resolves to { url, stop() } once it printed its port. */
function startDeno(t, apiKey) {
  return new Promise((resolve, reject) => {
    const child = spawn(DENO, ['run', '--allow-read', '--allow-net=127.0.0.1', '--no-prompt', 'deno/server.mjs', apiKey], {
      cwd: DIR,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(DIR, '../../target/deno-dir'), NO_COLOR: '1' },
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`deno did not start in time\n${out}\n${err}`));
    }, LIMIT_MS);
    const stop = () => {
      clearTimeout(timer);
      child.kill('SIGKILL');
    };
    t.after(stop);
    child.stderr.on('data', (d) => (err += d));
    child.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${JSON.parse(line).port}`, info: JSON.parse(line), stderr: () => err });
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`deno exited ${code}\n${out}\n${err}`)));
  });
}

const skip = !existsSync(DENO) && `no Deno binary at ${DENO} (npm installs it on Linux x64; set LETTA_DENO elsewhere)`;

test('Deno.serve(handler): the official 1.x SDK over loopback HTTP', { timeout: LIMIT_MS + 30_000, skip }, async (t) => {
  const apiKey = 'sk-deno';
  const { url, info, stderr } = await startDeno(t, apiKey);
  assert.match(info.deno, /^2\./);
  const client = new SdkLetta({ baseURL: url, apiKey, maxRetries: 0 });
  const shared = await client.blocks.create({ label: 'organization', value: 'Letta' });
  const agent = await client.agents.create({ model: 'scripted/echo', memory_blocks: [{ label: 'persona', value: 'p' }], block_ids: [shared.id] });
  assert.equal((await client.agents.blocks.retrieve('organization', { agent_id: agent.id })).value, 'Letta');
  const res = await client.agents.messages.create(agent.id, { messages: [{ role: 'user', content: 'from deno' }] });
  assert.equal(res.messages.at(-1).content, 'Echo: from deno', stderr());
  const events = [];
  for await (const e of await client.agents.messages.stream(agent.id, { messages: [{ role: 'user', content: 's' }] })) events.push(e.message_type);
  assert.deepEqual(events, ['assistant_message', 'stop_reason', 'usage_statistics']);
  await assert.rejects(client.agents.retrieve('agent-123e4567-e89b-42d3-8456-426614174000'), Sdk.NotFoundError);
  await assert.rejects(new SdkLetta({ baseURL: url, apiKey: 'wrong', maxRetries: 0 }).blocks.list(), Sdk.AuthenticationError);
});
