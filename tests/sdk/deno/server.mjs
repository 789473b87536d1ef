// Serves the API with Deno.serve on 127.0.0.1 (a free port, printed as {"port": N} on stdout).
// Run by deno.test.mjs: deno run --allow-read --allow-net=127.0.0.1 deno/server.mjs <apiKey>
import { Letta, createFetchHandler } from 'letta-wasm';

const letta = new Letta();
const handler = createFetchHandler(letta, { apiKey: Deno.args[0] });
Deno.serve(
  {
    hostname: '127.0.0.1',
    port: 0,
    onListen({ port }) {
      console.log(JSON.stringify({ port, deno: Deno.version.deno }));
    },
  },
  handler,
);
