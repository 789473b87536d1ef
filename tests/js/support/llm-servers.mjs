// Local LLM servers for the provider tests: each speaks one provider's wire format (OpenAI Chat
// Completions, Anthropic Messages, Gemini generateContent), plain or SSE-streamed as the request
// asks, on 127.0.0.1 with a random port, with CORS headers so a browser page can call them too.
//
//   const s = await startLlmServer('openai');   // 'openai' | 'anthropic' | 'gemini'
//   s.push({ toolCalls: [{ name: 'memory_insert', arguments: {...} }] }, { text: 'Done.' });
//   new LettaClient({ providers: { openai: { apiKey: 'k', baseUrl: s.baseUrl } } });
//   s.requests  // [{ method, url, headers, body }]
//
// A reply is a model turn `{ text?, reasoning?, toolCalls?: [{ id?, name, arguments }], usage? }`,
// or an HTTP error `{ status, body, headers? }`. Either may add `delayMs` (wait before answering) or,
// for streams, `cutAfter: n` (send n SSE frames, then destroy the connection).
import http from 'node:http';

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': '*',
  'access-control-expose-headers': 'retry-after, retry-after-ms',
  'access-control-max-age': '600',
};

/** Words with their trailing spaces: how the fake models "stream tokens". */
export const tokens = (text) => text.match(/\S+\s*|\s+/g) ?? [];

const argsText = (a) => (typeof a === 'string' ? a : JSON.stringify(a ?? {}));
const halves = (s) => [s.slice(0, Math.ceil(s.length / 2)), s.slice(Math.ceil(s.length / 2))];

// --- OpenAI -------------------------------------------------------------------------------------
function openaiWhole(turn, model) {
  const calls = (turn.toolCalls ?? []).map((c, i) => ({
    id: c.id ?? `call_${i}_${Math.random().toString(36).slice(2, 8)}`,
    type: 'function',
    function: { name: c.name, arguments: argsText(c.arguments) },
  }));
  return {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    created: 1,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: turn.text ?? null, ...(calls.length ? { tool_calls: calls } : {}) },
        finish_reason: calls.length ? 'tool_calls' : 'stop',
      },
    ],
    usage: { prompt_tokens: turn.usage?.prompt ?? 50, completion_tokens: turn.usage?.completion ?? 5, total_tokens: 55 },
  };
}

function openaiFrames(turn, model) {
  const whole = openaiWhole(turn, model);
  const chunk = (delta, finish = null) => ({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model, choices: [{ index: 0, delta, finish_reason: finish }] });
  const frames = [chunk({ role: 'assistant', content: '' })];
  if (turn.reasoning) frames.push(chunk({ reasoning_content: turn.reasoning }));
  for (const t of tokens(turn.text ?? '')) frames.push(chunk({ content: t }));
  (whole.choices[0].message.tool_calls ?? []).forEach((c, index) => {
    const [a, b] = halves(c.function.arguments);
    frames.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] }));
    frames.push(chunk({ tool_calls: [{ index, function: { arguments: a } }] }));
    frames.push(chunk({ tool_calls: [{ index, function: { arguments: b } }] }));
  });
  frames.push(chunk({}, whole.choices[0].finish_reason));
  frames.push({ id: 'chatcmpl-1', object: 'chat.completion.chunk', model, choices: [], usage: whole.usage });
  return [...frames.map((f) => `data: ${JSON.stringify(f)}\n\n`), 'data: [DONE]\n\n'];
}

// --- Anthropic ----------------------------------------------------------------------------------
function anthropicBlocks(turn) {
  const blocks = [];
  if (turn.reasoning) blocks.push({ type: 'thinking', thinking: turn.reasoning, signature: 'sig' });
  if (turn.text) blocks.push({ type: 'text', text: turn.text });
  (turn.toolCalls ?? []).forEach((c, i) => {
    const input = typeof c.arguments === 'string' ? JSON.parse(c.arguments) : (c.arguments ?? {});
    blocks.push({ type: 'tool_use', id: c.id ?? `toolu_${i}_${Math.random().toString(36).slice(2, 8)}`, name: c.name, input });
  });
  return blocks;
}

function anthropicWhole(turn, model) {
  const content = anthropicBlocks(turn);
  return {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model,
    content,
    stop_reason: content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: turn.usage?.prompt ?? 50, output_tokens: turn.usage?.completion ?? 5 },
  };
}

function anthropicFrames(turn, model) {
  const whole = anthropicWhole(turn, model);
  const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const frames = [ev('message_start', { message: { ...whole, content: [], stop_reason: null, usage: { input_tokens: whole.usage.input_tokens, output_tokens: 1 } } })];
  whole.content.forEach((b, index) => {
    if (b.type === 'text') {
      frames.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
      for (const t of tokens(b.text)) frames.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: t } }));
    } else if (b.type === 'thinking') {
      frames.push(ev('content_block_start', { index, content_block: { type: 'thinking', thinking: '' } }));
      frames.push(ev('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: b.thinking } }));
      frames.push(ev('content_block_delta', { index, delta: { type: 'signature_delta', signature: 'sig' } }));
    } else {
      frames.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } }));
      for (const part of halves(JSON.stringify(b.input))) frames.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } }));
    }
    frames.push(ev('content_block_stop', { index }));
  });
  frames.push(ev('ping', {}));
  frames.push(ev('message_delta', { delta: { stop_reason: whole.stop_reason, stop_sequence: null }, usage: { output_tokens: whole.usage.output_tokens } }));
  frames.push(ev('message_stop', {}));
  return frames;
}

// --- Gemini -------------------------------------------------------------------------------------
function geminiParts(turn) {
  const parts = [];
  if (turn.reasoning) parts.push({ text: turn.reasoning, thought: true });
  if (turn.text) parts.push({ text: turn.text });
  for (const c of turn.toolCalls ?? []) {
    parts.push({ functionCall: { name: c.name, args: typeof c.arguments === 'string' ? JSON.parse(c.arguments) : (c.arguments ?? {}) } });
  }
  return parts;
}

function geminiWhole(turn) {
  return {
    candidates: [{ content: { role: 'model', parts: geminiParts(turn) }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: turn.usage?.prompt ?? 50, candidatesTokenCount: turn.usage?.completion ?? 5, totalTokenCount: 55 },
    modelVersion: 'gemini-test',
  };
}

function geminiFrames(turn) {
  const whole = geminiWhole(turn);
  const frame = (v) => `data: ${JSON.stringify(v)}\r\n\r\n`;
  const frames = [];
  if (turn.reasoning) frames.push(frame({ candidates: [{ content: { role: 'model', parts: [{ text: turn.reasoning, thought: true }] } }] }));
  for (const t of tokens(turn.text ?? '')) frames.push(frame({ candidates: [{ content: { role: 'model', parts: [{ text: t }] } }] }));
  const calls = whole.candidates[0].content.parts.filter((p) => p.functionCall);
  frames.push(frame({ candidates: [{ content: { role: 'model', parts: calls }, finishReason: 'STOP' }], usageMetadata: whole.usageMetadata }));
  return frames;
}

const KINDS = {
  openai: { prefix: '/v1', streamed: (req) => req.body?.stream === true, whole: openaiWhole, frames: openaiFrames, model: (req) => req.body?.model },
  anthropic: { prefix: '', streamed: (req) => req.body?.stream === true, whole: anthropicWhole, frames: anthropicFrames, model: (req) => req.body?.model },
  gemini: {
    prefix: '/v1beta',
    streamed: (req) => req.url.includes(':streamGenerateContent'),
    whole: geminiWhole,
    frames: geminiFrames,
    model: (req) => /models\/([^:]+):/.exec(req.url)?.[1],
  },
};

/** Starts a fake provider. `kind`: 'openai' | 'anthropic' | 'gemini'. */
export async function startLlmServer(kind) {
  const spec = KINDS[kind];
  if (!spec) throw new Error(`unknown provider kind ${kind}`);
  const queue = [];
  const requests = [];
  const timers = new Set();
  const wait = (ms) =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const server = http.createServer(async (req, res) => {
    res.on('error', () => {});
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS).end();
      return;
    }
    let raw = '';
    for await (const chunk of req) raw += chunk;
    let body = null;
    try {
      body = raw ? JSON.parse(raw) : null;
    } catch {
      body = raw;
    }
    const record = { method: req.method, url: req.url, headers: req.headers, body, at: performance.now() };
    requests.push(record);
    const reply = queue.shift() ?? { status: 500, body: { error: { message: `${kind} test server: no reply scripted` } } };
    if (reply.delayMs) await wait(reply.delayMs);
    if (res.destroyed || req.socket.destroyed) return;
    if (reply.status && reply.status >= 400) {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...CORS, ...(reply.headers ?? {}) });
      res.end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {}));
      return;
    }
    const model = spec.model(record) ?? 'unknown';
    if (spec.streamed(record)) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...CORS });
      const frames = spec.frames(reply, model);
      const n = reply.cutAfter ?? frames.length;
      for (const f of frames.slice(0, n)) res.write(f);
      if (reply.cutAfter != null) {
        // Let the frames go out, then break the connection mid-answer.
        await wait(20);
        res.destroy();
        return;
      }
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', ...CORS });
    res.end(JSON.stringify(spec.whole(reply, model)));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    kind,
    url,
    baseUrl: url + spec.prefix,
    requests,
    push: (...replies) => queue.push(...replies),
    pending: () => queue.length,
    close: () =>
      new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
