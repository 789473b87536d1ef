// Archival memory: insert throughput, exact-cosine search time and memory, in Node.
//
//   bash scripts/build.sh && node --expose-gc bench/archival.mjs [sizes=10000,100000] [dims=384,1536] [searches=20]
//
// Passages go in through `client.agents.passages.create` (embedding with the offline scripted
// hash embedder `scripted/hash-<dim>`, one store commit each, in-memory store). Search time is
// measured over the REST search route with top_k 5 after one warm-up search (which builds the
// agent's index); it includes embedding the query and JSON crossings. Memory: the process's
// ArrayBuffer bytes (the wasm linear memory lives there) and RSS, before and after.
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { LettaClient } = await import(join(root, 'pkg/entry/node.js'));

const SIZES = (process.argv[2] ?? '10000,100000').split(',').map(Number);
const DIMS = (process.argv[3] ?? '384,1536').split(',').map(Number);
const SEARCHES = Number(process.argv[4] ?? 20);
const WORDS = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega report budget launch office cat revenue meeting plan'.split(' ');

function text(i) {
  let s = `note ${i}:`;
  let x = i * 2654435761 >>> 0;
  for (let k = 0; k < 12; k++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += ' ' + WORDS[x % WORDS.length];
  }
  return s;
}
const mb = (b) => (b / 1048576).toFixed(1);
const mem = () => { globalThis.gc?.(); const m = process.memoryUsage(); return { ab: m.arrayBuffers, rss: m.rss }; };

for (const dim of DIMS) {
  for (const n of SIZES) {
    const client = new LettaClient({ token: 'unused' });
    const agent = await client.agents.create({ model: 'scripted/bench', embedding: `scripted/hash-${dim}` });
    const before = mem();
    let t0 = performance.now();
    for (let i = 0; i < n; i++) await client.agents.passages.create(agent.id, { text: text(i), tags: [WORDS[i % 5]] });
    const insertMs = performance.now() - t0;
    t0 = performance.now();
    await client.agents.passages.search(agent.id, { query: 'budget launch meeting', topK: 5 });
    const firstMs = performance.now() - t0;
    const times = [];
    for (let s = 0; s < SEARCHES; s++) {
      const q = text(n + s);
      const t = performance.now();
      const r = await client.agents.passages.search(agent.id, { query: q, topK: 5 });
      times.push(performance.now() - t);
      if (r.count !== 5) throw new Error(`expected 5 results, got ${r.count}`);
    }
    times.sort((a, b) => a - b);
    const after = mem();
    console.log(JSON.stringify({
      passages: n, dim,
      insert_per_s: Math.round(n / (insertMs / 1000)),
      first_search_ms: +firstMs.toFixed(1),
      search_ms_median: +times[times.length >> 1].toFixed(2),
      search_ms_p90: +times[Math.floor(times.length * 0.9)].toFixed(2),
      array_buffers_mb: `${mb(before.ab)} -> ${mb(after.ab)}`,
      rss_mb: `${mb(before.rss)} -> ${mb(after.rss)}`,
      vectors_mb: mb(n * dim * 4),
    }));
    client.close();
  }
}
