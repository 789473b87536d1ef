// 'letta-wasm/slim': the same API without initialisation, for custom loaders. Call `await init(input)`
// or `initSync(input)` before creating a client. `input` is whatever wasm-bindgen's init takes: a URL,
// a path string, a Response, bytes or a WebAssembly.Module (bare or as `{ module_or_path }` / `{ module }`);
// `init()` with no input fetches `letta_wasm_bg.wasm` next to the glue.
import initGlue, { initSync as initSyncGlue, Engine } from '../letta_wasm.js';
import { isPlainObject } from '../src/case.js';
import { setEngineClass } from '../src/letta-client.js';

export async function init(input) {
  await initGlue(input === undefined || isPlainObject(input) ? input : { module_or_path: input });
  setEngineClass(Engine);
}

export function initSync(input) {
  initSyncGlue(isPlainObject(input) ? input : { module: input });
  setEngineClass(Engine);
}

export * from '../src/index.js';
export { default } from '../src/index.js';
