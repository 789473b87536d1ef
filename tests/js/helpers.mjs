// Shared helpers for the letta-wasm JS tests (not a test file: node --test only runs *.test.mjs).
import { LettaClient } from 'letta-wasm';

/** A well-formed uuid4 nobody created: `agent-${MISSING}` is a valid id that is not found. */
export const MISSING = '123e4567-e89b-42d3-8456-426614174000';

/** A fresh client (its own engine); closed when the test ends. */
export function newClient(t, options = {}) {
  const client = new LettaClient({ token: 'unused', ...options });
  t.after(() => client.close());
  return client;
}

/** A `messages.create` request with one user message. */
export const user = (text) => ({ messages: [{ role: 'user', content: text }] });

/** A scripted answer calling one tool. */
export const toolCall = (name, args) => ({ toolCalls: [{ name, arguments: args }] });

/** The messageType of each message of a LettaResponse. */
export const types = (response) => response.messages.map((m) => m.messageType);

/** The system prompt of a recorded scripted request. */
export const systemOf = (request) => {
  const first = request.messages[0];
  if (first?.role !== 'system') throw new Error(`first message is not the system prompt: ${JSON.stringify(first)}`);
  return first.content;
};

/** The tool_return_message entries of a response. */
export const toolReturns = (response) => response.messages.filter((m) => m.messageType === 'tool_return_message');

/** A small deterministic PRNG (mulberry32), so "random" delays are reproducible. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
