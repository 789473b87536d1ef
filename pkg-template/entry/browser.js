// Browsers, module Web Workers and bundlers (Vite, webpack 5, esbuild with a file loader): fetch and
// compile the wasm with top-level await. Bundlers see `new URL('...', import.meta.url)` and emit the file.
import init, { Engine } from '../letta_wasm.js';
import { setEngineClass } from '../src/letta-client.js';

await init({ module_or_path: new URL('../letta_wasm_bg.wasm', import.meta.url) });
setEngineClass(Engine);

export * from '../src/index.js';
export { default } from '../src/index.js';
