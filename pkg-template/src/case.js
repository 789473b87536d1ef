// Deep camelCase <-> snake_case conversion of object KEYS for the 0.x door.
//
// 0.x (Fern) maps every documented field `foo_bar` <-> `fooBar` (checked against all of 0.1.211's
// serialization schemas: the only irregular names are `metadata_` <-> `metadata` and MCP's `_meta`),
// and turns ISO date strings into `Date` objects in responses. Values under keys that hold
// user-owned dictionaries are left exactly as they are.

/** Values never converted: user dictionaries, JSON schemas and tool arguments. Keyed by wire name. */
const OPAQUE = new Set([
  'metadata',
  'metadata_',
  'json_schema',
  'args_json_schema',
  'parameters',
  'arguments',
  'args',
  'event_data',
  'child_output_mapping',
]);

/**
 * Keys that are a user dictionary in requests (`{"MY_VAR": "x"}`, left as is) but a list of
 * records in responses (`[{"key", "value", "agent_id"}]`, converted).
 */
const DICT_WHEN_OBJECT = new Set(['tool_exec_environment_variables', 'memory_variables', 'secrets']);

/** Response fields that 0.x turns into `Date` objects. */
const DATE_KEYS = new Set(['date', 'created_at', 'updated_at', 'completed_at', 'last_run_completion']);

export function isPlainObject(v) {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** `block_ids` -> `blockIds`; leading underscores are kept (`_meta` stays `_meta`). */
export function camelKey(key) {
  const lead = /^_*/.exec(key)[0];
  return lead + key.slice(lead.length).replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/** `blockIds` -> `block_ids`; snake_case keys pass through unchanged. */
export function snakeKey(key) {
  return key.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

function keepAsIs(wireKey, value) {
  return OPAQUE.has(wireKey) || (DICT_WHEN_OBJECT.has(wireKey) && isPlainObject(value));
}

/** Wire JSON -> 0.x JS object: camelCase keys, `metadata_` -> `metadata`, date strings -> `Date`. */
export function toCamel(value) {
  if (Array.isArray(value)) return value.map(toCamel);
  if (!isPlainObject(value)) return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    const key = k === 'metadata_' ? 'metadata' : camelKey(k);
    if (keepAsIs(k, v)) out[key] = v;
    else if (DATE_KEYS.has(k) && typeof v === 'string') out[key] = parseDate(v);
    else out[key] = toCamel(v);
  }
  return out;
}

function parseDate(s) {
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d;
}

/**
 * 0.x JS object -> wire JSON: snake_case keys, `Date` -> ISO string, `undefined` members dropped.
 * (`metadata` -> `metadata_` is only right for tools; the tools resource does that itself.)
 */
export function toSnake(value) {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toSnake);
  if (!isPlainObject(value)) return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const key = snakeKey(k);
    out[key] = keepAsIs(key, v) ? v : toSnake(v);
  }
  return out;
}
