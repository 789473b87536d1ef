// A Letta server on Cloudflare Workers: the Letta V1 REST API under /v1, served by letta-wasm's engine
// from one Durable Object, so every request of the deployment sees the same agents and blocks.
//
// State: in the Durable Object's storage (a host store: every agent step is one storage transaction),
// so agents, blocks, messages and queued agent messages outlive evictions and redeploys.
//
// Point any Letta SDK at the deployment by changing only its base URL:
//   new Letta({ baseURL: 'https://letta.<you>.workers.dev', apiKey: LETTA_API_KEY })   // JS 1.x
//   Letta(base_url='https://letta.<you>.workers.dev', api_key=LETTA_API_KEY)          // Python
//
// Settings (wrangler secrets / vars):
//   LETTA_API_KEY      required Bearer key; without it the API is open (fine for local dev only)
//   CORS_ORIGINS       "*" or a comma-separated list of origins allowed to call from browsers
//   OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY   LLM providers (handles openai/..., anthropic/...,
//                      google_ai/...); `scripted/<name>` models need nothing (an unprogrammed one echoes)
import { Letta, createFetchHandler } from 'letta-wasm';

/** Provider settings from the environment (keys stay in the object's memory). */
function providers(env) {
  const out = {};
  if (env.OPENAI_API_KEY) out.openai = { api_key: env.OPENAI_API_KEY };
  if (env.ANTHROPIC_API_KEY) out.anthropic = { api_key: env.ANTHROPIC_API_KEY };
  if (env.GEMINI_API_KEY) out.google_ai = { api_key: env.GEMINI_API_KEY };
  return out;
}

function cors(env) {
  const v = (env.CORS_ORIGINS ?? '').trim();
  if (!v) return undefined;
  return v === '*' ? true : v.split(',').map((o) => o.trim()).filter(Boolean);
}

/** The Durable Object holding the engine. */
export class LettaServer {
  constructor(state, env) {
    this.client = new Letta({ providers: providers(env), storage: state.storage });
    this.handler = createFetchHandler(this.client, { apiKey: env.LETTA_API_KEY || undefined, cors: cors(env) });
  }

  fetch(request) {
    return this.handler(request);
  }
}

export default {
  /** Every request goes to the one object named "default" (use more names to shard by tenant). */
  fetch(request, env) {
    const stub = env.LETTA.get(env.LETTA.idFromName('default'));
    return stub.fetch(request);
  },
};
