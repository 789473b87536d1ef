// Cloudflare Workers (workerd, wrangler, miniflare): a `.wasm` import is a compiled WebAssembly.Module
// (no fetch or compile at runtime, which workerd forbids anyway).
import wasmModule from '../letta_wasm_bg.wasm';
import { initSync, Engine } from '../letta_wasm.js';
import { setEngineClass } from '../src/letta-client.js';

initSync({ module: wasmModule });
setEngineClass(Engine);

export * from '../src/index.js';
export { default } from '../src/index.js';
