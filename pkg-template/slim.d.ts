// 'letta-wasm/slim': the same API as 'letta-wasm', without automatic wasm initialisation.
export * from './index.js';
export { default } from './index.js';

/** What wasm-bindgen's loader accepts: a URL or path to fetch, a Response, the bytes, or a compiled module. */
export type InitInput = string | URL | Request | Response | BufferSource | WebAssembly.Module;

/**
 * Loads and instantiates the wasm; call (and await) before creating a client. Without `input`,
 * fetches `letta_wasm_bg.wasm` next to the glue (`letta-wasm/letta_wasm_bg.wasm` in the exports map).
 * Calling it again does nothing.
 */
export declare function init(input?: InitInput | Promise<InitInput> | { module_or_path: InitInput | Promise<InitInput> }): Promise<void>;

/** Synchronous variant: takes the bytes or a compiled `WebAssembly.Module`. */
export declare function initSync(input: BufferSource | WebAssembly.Module | { module: BufferSource | WebAssembly.Module }): void;
