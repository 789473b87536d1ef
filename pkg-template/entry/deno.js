// Deno: fetch() reads file: URLs (needs read permission for the package directory). The bytes are
// passed on, rather than the Response, because a file: Response has no `application/wasm` type and
// wasm-bindgen would warn before falling back from instantiateStreaming.
import init, { Engine } from '../letta_wasm.js';
import { setEngineClass } from '../src/letta-client.js';

const url = new URL('../letta_wasm_bg.wasm', import.meta.url);
await init({ module_or_path: await (await fetch(url)).arrayBuffer() });
setEngineClass(Engine);

export * from '../src/index.js';
export { default } from '../src/index.js';
