// Node (and Bun): read the wasm next to the package and compile it synchronously at import.
import { readFileSync } from 'node:fs';
import { initSync, Engine } from '../letta_wasm.js';
import { setEngineClass } from '../src/letta-client.js';

initSync({ module: readFileSync(new URL('../letta_wasm_bg.wasm', import.meta.url)) });
setEngineClass(Engine);

export * from '../src/index.js';
export { default } from '../src/index.js';
