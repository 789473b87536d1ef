// Types of letta-wasm's 1.x door, `Letta` (the shape of @letta-ai/letta-client 1.x: snake_case wire
// objects, `update`, child-first arguments, pages, streams, APIPromise, the APIError classes), and of
// the HTTP door, `createFetchHandler`. Written by hand for the subset letta-wasm implements, plus a
// few documented extensions (marked EXTENSION). The package's index.d.ts re-exports these.

// ---------------------------------------------------------------------------------------------
// Errors (1.x)

export declare class LettaError extends Error {}

export declare class APIError<
  TStatus extends number | undefined = number | undefined,
  THeaders extends Headers | undefined = Headers | undefined,
  TError extends Object | undefined = Object | undefined,
> extends LettaError {
  /** HTTP status of the answer (undefined for connection, abort and mid-stream errors). */
  readonly status: TStatus;
  readonly headers: THeaders;
  /** The parsed error body, e.g. `{ detail: "Agent not found: agent-..." }`. */
  readonly error: TError;
  constructor(status: TStatus, error: TError, message: string | undefined, headers: THeaders);
  static generate(status: number | undefined, errorResponse: Object | undefined, message: string | undefined, headers: Headers | undefined): APIError;
}
export declare class APIUserAbortError extends APIError<undefined, undefined, undefined> {
  constructor(options?: { message?: string });
}
export declare class APIConnectionError extends APIError<undefined, undefined, undefined> {
  constructor(options: { message?: string; cause?: Error | undefined });
}
export declare class APIConnectionTimeoutError extends APIConnectionError {
  constructor(options?: { message?: string });
}
export declare class BadRequestError extends APIError<400, Headers> {}
export declare class AuthenticationError extends APIError<401, Headers> {}
export declare class PermissionDeniedError extends APIError<403, Headers> {}
export declare class NotFoundError extends APIError<404, Headers> {}
export declare class ConflictError extends APIError<409, Headers> {}
export declare class UnprocessableEntityError extends APIError<422, Headers> {}
export declare class RateLimitError extends APIError<429, Headers> {}
export declare class InternalServerError extends APIError<number, Headers> {}

// ---------------------------------------------------------------------------------------------
// Promises, pages, streams

/**
 * A Promise of the parsed data. The call starts at once; `.asResponse()` gives the answer as a WHATWG
 * `Response` (for streams, the `text/event-stream` body), `.withResponse()` both.
 */
export declare class APIPromise<T> extends Promise<T> {
  asResponse(): Promise<Response>;
  withResponse(): Promise<{ data: T; response: Response }>;
}

/** A page of a cursor-paginated list. `for await` walks this page and every following one. */
export declare class ArrayPage<Item extends { id: string }> implements AsyncIterable<Item> {
  items: Array<Item>;
  getPaginatedItems(): Item[];
  /** True while this page has items (the page after the last one is empty). */
  hasNextPage(): boolean;
  /** Asks for `after=<last id>` (or `before=<first id>` when the query used `before`). */
  getNextPage(): Promise<this>;
  iterPages(): AsyncGenerator<this>;
  [Symbol.asyncIterator](): AsyncGenerator<Item>;
}

/** An APIPromise of a page that `for await` walks item by item, across pages. */
export declare class PagePromise<PageClass extends ArrayPage<Item>, Item extends { id: string } = PageClass['items'][number]>
  extends APIPromise<PageClass>
  implements AsyncIterable<Item>
{
  [Symbol.asyncIterator](): AsyncGenerator<Item>;
}

/**
 * The events of a streamed run, as each step commits: messages, then `stop_reason` and
 * `usage_statistics`. Single use (`tee()` to read twice); `break` or `controller.abort()` stops
 * reading (the engine still finishes and records the run).
 */
export declare class Stream<Item> implements AsyncIterable<Item> {
  controller: AbortController;
  [Symbol.asyncIterator](): AsyncIterator<Item>;
  tee(): [Stream<Item>, Stream<Item>];
  /** Newline-delimited JSON bytes. */
  toReadableStream(): ReadableStream;
  /** EXTENSION: the server's SSE bytes (`data: <json>` frames, then `data: [DONE]`). */
  toSSEStream(): ReadableStream;
}

// ---------------------------------------------------------------------------------------------
// The HTTP door

export interface FetchHandlerOptions {
  /**
   * When set, every request except a CORS preflight must carry `Authorization: Bearer <apiKey>`;
   * others get 401 and reach nothing. Compared in constant time.
   */
  apiKey?: string;
  /** `true`: any origin; an origin or a list of origins; or a predicate. Default: no CORS headers. */
  cors?: boolean | string | string[] | ((origin: string) => boolean);
  /** Largest request body accepted, in bytes (default 1 MiB); larger bodies get 413. */
  maxBodyBytes?: number;
  /** A path prefix to strip before `/v1` (e.g. `"/letta"` serves `/letta/v1/...`). */
  basePath?: string;
}

/** A WHATWG fetch handler; also usable as a `fetch` function (`(url, init)`), e.g. the 1.x SDK's `fetch` option. */
export type FetchHandler = (request: Request | string | URL, init?: RequestInit) => Promise<Response>;

/**
 * Serves the Letta V1 REST API under `/v1` from a client's engine (a `LettaClient` or a `Letta`;
 * the handler and the client share state): JSON routes, SSE for
 * `POST /v1/agents/{id}/messages/stream` and for `POST /v1/agents/{id}/messages` with
 * `"streaming": true`, error bodies `{"detail": ...}` with the engine's status.
 */
export declare function createFetchHandler(client: Letta | import('./index.js').LettaClient, options?: FetchHandlerOptions): FetchHandler;

// ---------------------------------------------------------------------------------------------
// The client

type ScriptedModel = import('./index.js').ScriptedModel;
type StorageOption = import('./index.js').StorageOption;
type ScriptedRequest = import('./index.js').ScriptedRequest;

/** The `Letta` client of the 1.x shape, in-process: no network, everything runs in the engine. */
declare class Letta {
  constructor(options?: Letta.ClientOptions);

  static DEFAULT_TIMEOUT: number;
  static LettaError: typeof LettaError;
  static APIError: typeof APIError;
  static APIConnectionError: typeof APIConnectionError;
  static APIConnectionTimeoutError: typeof APIConnectionTimeoutError;
  static APIUserAbortError: typeof APIUserAbortError;
  static NotFoundError: typeof NotFoundError;
  static ConflictError: typeof ConflictError;
  static RateLimitError: typeof RateLimitError;
  static BadRequestError: typeof BadRequestError;
  static AuthenticationError: typeof AuthenticationError;
  static InternalServerError: typeof InternalServerError;
  static PermissionDeniedError: typeof PermissionDeniedError;
  static UnprocessableEntityError: typeof UnprocessableEntityError;

  /** Accepted for compatibility; not used (there is no network). */
  apiKey: string | null;
  baseURL: string;
  timeout: number | undefined;
  maxRetries: number;

  agents: Letta.Agents;
  blocks: Letta.Blocks;
  tools: Letta.Tools;
  /** EXTENSION: scripted models `scripted/<name>` (use the handle as an agent's `model`). */
  scripted: {
    define(name: string, model: ScriptedModel): void;
    requests(name: string): ScriptedRequest[];
    stats(name: string): { calls: number; in_flight: number; peak_in_flight: number };
  };
  /** EXTENSION: the log of messages agents sent each other, oldest first (wire, snake_case). */
  interactions: {
    list(query?: { agent_id?: string; limit?: number; after?: string }, options?: Letta.RequestOptions): PagePromise<ArrayPage<Letta.Interaction>, Letta.Interaction>;
  };

  /** A client with some options replaced, sharing this one's engine and state. */
  withOptions(options: Partial<Letta.ClientOptions>): this;
  /** GET /v1/health/. */
  health(options?: Letta.RequestOptions): APIPromise<{ version: string; status: string }>;
  get<T = unknown>(path: string, options?: Letta.RequestOptions & { query?: object }): APIPromise<T>;
  post<T = unknown>(path: string, options?: Letta.RequestOptions & { query?: object; body?: unknown }): APIPromise<T>;
  patch<T = unknown>(path: string, options?: Letta.RequestOptions & { query?: object; body?: unknown }): APIPromise<T>;
  put<T = unknown>(path: string, options?: Letta.RequestOptions & { query?: object; body?: unknown }): APIPromise<T>;
  delete<T = unknown>(path: string, options?: Letta.RequestOptions & { query?: object }): APIPromise<T>;
  /** EXTENSION: resolves once every message agents sent each other has been processed. */
  waitForIdle(): Promise<void>;
  /** EXTENSION: resolves once the store is open (at once in memory); rejects if it cannot open. */
  readonly ready: Promise<void>;
  /** EXTENSION: frees the wasm engine; the client is unusable afterwards. */
  close(): void;
}

declare namespace Letta {
  interface ClientOptions {
    /** Accepted for compatibility; not used (use `createFetchHandler(client, { apiKey })` to require one). */
    apiKey?: string | null;
    /** Accepted for compatibility; not used. */
    baseURL?: string | null;
    /** Accepted for compatibility; not used. */
    environment?: 'cloud' | 'local';
    projectID?: string | null;
    project?: string | null;
    /** In ms. When set, a call rejects with APIConnectionTimeoutError after this long (no default here). */
    timeout?: number;
    /** Accepted; not used (nothing to retry in-process). */
    maxRetries?: number;
    /** Accepted; not used. */
    fetch?: unknown;
    fetchOptions?: unknown;
    defaultHeaders?: Record<string, string | null | undefined>;
    defaultQuery?: Record<string, string | undefined>;
    logLevel?: 'debug' | 'info' | 'warn' | 'error' | 'off';
    logger?: unknown;
    /**
     * EXTENSION: LLM providers (`{ openai: { api_key } }`, `{ ollama: { kind: 'openai', base_url } }`, ...)
     * and `scripted: { [name]: model }` scripted models to define at once.
     */
    providers?: { scripted?: Record<string, ScriptedModel> } & Record<string, unknown>;
    /**
     * EXTENSION: where the team lives: `"memory"` (the default), `"indexeddb"` or
     * `{ type: "indexeddb", name }` (browsers), or a host store (async get/put/delete/list, e.g. a
     * Durable Object's `storage`). Persistent stores open in the background; see `ready`.
     */
    storage?: StorageOption;
  }

  interface RequestOptions {
    /** In ms: rejects with APIConnectionTimeoutError after this long (for streams: until the first event). */
    timeout?: number;
    /** Rejects with APIUserAbortError; a stream stops. */
    signal?: AbortSignal | null;
    /** Accepted; not used. */
    maxRetries?: number;
    /** Accepted; not used. */
    headers?: Record<string, string | null | undefined>;
    /** Replaces the query of the call. */
    query?: object;
    /** Replaces the body of the call. */
    body?: unknown;
    idempotencyKey?: string;
  }

  interface PageParams {
    before?: string | null;
    after?: string | null;
    limit?: number | null;
    order?: 'asc' | 'desc' | null;
    order_by?: string | null;
  }

  // ---- blocks

  interface BlockResponse {
    id: string;
    value: string;
    label?: string | null;
    description?: string | null;
    limit?: number;
    metadata?: { [key: string]: unknown } | null;
    tags?: Array<string> | null;
    is_template?: boolean;
    read_only?: boolean;
    hidden?: boolean | null;
    project_id?: string | null;
    template_id?: string | null;
    template_name?: string | null;
    base_template_id?: string | null;
    deployment_id?: string | null;
    entity_id?: string | null;
    preserve_on_migration?: boolean | null;
    created_by_id?: string | null;
    last_updated_by_id?: string | null;
    created_at?: string | null;
    updated_at?: string | null;
  }
  type Block = BlockResponse;

  interface CreateBlock {
    label: string;
    value: string;
    description?: string | null;
    limit?: number;
    metadata?: { [key: string]: unknown } | null;
    tags?: Array<string> | null;
    read_only?: boolean;
    hidden?: boolean | null;
    is_template?: boolean;
    template_name?: string | null;
    project_id?: string | null;
    template_id?: string | null;
    base_template_id?: string | null;
    deployment_id?: string | null;
    entity_id?: string | null;
    preserve_on_migration?: boolean | null;
  }
  type BlockCreateParams = CreateBlock;
  type BlockUpdateParams = Partial<Omit<CreateBlock, 'value'>> & { value?: string | null };
  interface BlockListParams extends PageParams {
    label?: string | null;
    templates_only?: boolean;
    name?: string | null;
    identity_id?: string | null;
    identifier_keys?: Array<string> | null;
    project_id?: string | null;
    label_search?: string | null;
    description_search?: string | null;
    value_search?: string | null;
    tags?: Array<string> | null;
    match_all_tags?: boolean;
  }

  interface Blocks {
    create(body: BlockCreateParams, options?: RequestOptions): APIPromise<BlockResponse>;
    retrieve(blockID: string, options?: RequestOptions): APIPromise<BlockResponse>;
    update(blockID: string, body: BlockUpdateParams, options?: RequestOptions): APIPromise<BlockResponse>;
    list(query?: BlockListParams | null, options?: RequestOptions): PagePromise<ArrayPage<BlockResponse>, BlockResponse>;
    delete(blockID: string, options?: RequestOptions): APIPromise<unknown>;
    agents: {
      list(blockID: string, query?: AgentListParams | null, options?: RequestOptions): PagePromise<ArrayPage<AgentState>, AgentState>;
    };
  }

  // ---- agents

  interface LlmConfig {
    model: string;
    model_endpoint_type: string;
    context_window: number;
    handle?: string | null;
    model_endpoint?: string | null;
    temperature?: number;
    max_tokens?: number | null;
    [key: string]: unknown;
  }
  interface EmbeddingConfig {
    embedding_model: string;
    embedding_endpoint_type: string;
    embedding_dim: number;
    handle?: string | null;
    [key: string]: unknown;
  }
  interface Memory {
    blocks: Array<BlockResponse>;
    file_blocks?: Array<unknown>;
    prompt_template?: string;
    agent_type?: string | null;
  }
  interface ToolRule {
    tool_name: string;
    type: string;
    [key: string]: unknown;
  }

  interface AgentState {
    id: string;
    name: string;
    system: string;
    agent_type: string;
    tags: Array<string>;
    tools: Array<Tool>;
    sources: Array<unknown>;
    blocks: Array<BlockResponse>;
    memory: Memory;
    llm_config: LlmConfig;
    embedding_config?: EmbeddingConfig | null;
    embedding?: string | null;
    model?: string | null;
    description?: string | null;
    metadata?: { [key: string]: unknown } | null;
    tool_rules?: Array<ToolRule> | null;
    message_ids?: Array<string> | null;
    project_id?: string | null;
    template_id?: string | null;
    base_template_id?: string | null;
    created_at?: string | null;
    updated_at?: string | null;
    last_run_completion?: string | null;
    last_stop_reason?: StopReasonType | null;
    timezone?: string | null;
    hidden?: boolean | null;
    [key: string]: unknown;
  }

  interface AgentCreateParams {
    name?: string;
    system?: string | null;
    description?: string | null;
    metadata?: { [key: string]: unknown } | null;
    tags?: Array<string> | null;
    agent_type?: string;
    model?: string | null;
    embedding?: string | null;
    llm_config?: Partial<LlmConfig> | null;
    embedding_config?: Partial<EmbeddingConfig> | null;
    context_window_limit?: number | null;
    max_tokens?: number | null;
    memory_blocks?: Array<CreateBlock> | null;
    block_ids?: Array<string> | null;
    tools?: Array<string> | null;
    tool_ids?: Array<string> | null;
    tool_rules?: Array<ToolRule> | null;
    include_base_tools?: boolean;
    include_base_tool_rules?: boolean | null;
    initial_message_sequence?: Array<MessageCreate> | null;
    timezone?: string | null;
    hidden?: boolean | null;
    [key: string]: unknown;
  }
  type AgentUpdateParams = AgentCreateParams;
  interface AgentListParams extends PageParams {
    name?: string | null;
    tags?: Array<string> | null;
    match_all_tags?: boolean;
    query_text?: string | null;
    project_id?: string | null;
    include?: Array<string>;
    include_relationships?: Array<string> | null;
    ascending?: boolean;
  }
  interface AgentRetrieveParams {
    include?: Array<string>;
    include_relationships?: Array<string> | null;
  }

  interface Agents {
    create(body?: AgentCreateParams, options?: RequestOptions): APIPromise<AgentState>;
    retrieve(agentID: string, query?: AgentRetrieveParams | null, options?: RequestOptions): APIPromise<AgentState>;
    update(agentID: string, body: AgentUpdateParams, options?: RequestOptions): APIPromise<AgentState>;
    list(query?: AgentListParams | null, options?: RequestOptions): PagePromise<ArrayPage<AgentState>, AgentState>;
    delete(agentID: string, options?: RequestOptions): APIPromise<unknown>;
    /** Core memory, child first: `retrieve(blockLabel, { agent_id })`. */
    blocks: {
      retrieve(blockLabel: string, params: { agent_id: string }, options?: RequestOptions): APIPromise<BlockResponse>;
      update(blockLabel: string, params: { agent_id: string } & BlockUpdateParams, options?: RequestOptions): APIPromise<BlockResponse>;
      list(agentID: string, query?: PageParams | null, options?: RequestOptions): PagePromise<ArrayPage<BlockResponse>, BlockResponse>;
      attach(blockID: string, params: { agent_id: string }, options?: RequestOptions): APIPromise<AgentState>;
      detach(blockID: string, params: { agent_id: string }, options?: RequestOptions): APIPromise<AgentState>;
    };
    messages: {
      create(agentID: string, body: MessageCreateParamsNonStreaming, options?: RequestOptions): APIPromise<LettaResponse>;
      create(agentID: string, body: MessageCreateParamsStreaming, options?: RequestOptions): APIPromise<Stream<LettaStreamingResponse>>;
      create(agentID: string, body: MessageCreateParamsBase, options?: RequestOptions): APIPromise<Stream<LettaStreamingResponse> | LettaResponse>;
      stream(agentID: string, body: MessageStreamParams, options?: RequestOptions): APIPromise<Stream<LettaStreamingResponse>>;
      list(agentID: string, query?: MessageListParams | null, options?: RequestOptions): PagePromise<ArrayPage<Message>, Message>;
      /** The flag travels in the body. */
      reset(agentID: string, body: { add_default_initial_messages?: boolean }, options?: RequestOptions): APIPromise<AgentState | null>;
      /** Stops the agent's active runs (or `run_ids`): `{ [run_id]: 'cancelled' }`. */
      cancel(agentID: string, body?: { run_ids?: string[] }, options?: RequestOptions): APIPromise<Record<string, unknown>>;
    };
    tools: {
      list(agentID: string, query?: PageParams | null, options?: RequestOptions): PagePromise<ArrayPage<Tool>, Tool>;
      attach(toolID: string, params: { agent_id: string }, options?: RequestOptions): APIPromise<AgentState | null>;
      detach(toolID: string, params: { agent_id: string }, options?: RequestOptions): APIPromise<AgentState | null>;
    };
    /** Archival memory. */
    passages: {
      create(agentID: string, body: { text: string; tags?: Array<string> | null; created_at?: string | null }, options?: RequestOptions): APIPromise<Array<Passage>>;
      /** A plain array, not a page (as in 1.x). */
      list(agentID: string, query?: { after?: string | null; before?: string | null; limit?: number | null; search?: string | null; ascending?: boolean | null } | null, options?: RequestOptions): APIPromise<Array<Passage>>;
      search(
        agentID: string,
        query: { query: string; tags?: Array<string> | null; tag_match_mode?: 'any' | 'all'; top_k?: number | null; start_datetime?: string | null; end_datetime?: string | null },
        options?: RequestOptions,
      ): APIPromise<{ count: number; results: Array<{ id: string; content: string; timestamp: string; tags?: Array<string> }> }>;
      delete(memoryID: string, params: { agent_id: string }, options?: RequestOptions): APIPromise<unknown>;
    };
  }

  // ---- messages

  interface TextContent {
    type?: 'text';
    text: string;
  }
  interface MessageCreate {
    role: 'user' | 'system' | 'assistant';
    content: string | Array<TextContent>;
    name?: string | null;
    otid?: string | null;
    sender_id?: string | null;
    type?: 'message' | null;
  }
  interface MessageCreateParamsBase {
    messages?: Array<MessageCreate> | null;
    input?: string | Array<TextContent> | null;
    max_steps?: number;
    use_assistant_message?: boolean;
    assistant_message_tool_name?: string;
    assistant_message_tool_kwarg?: string;
    include_return_message_types?: Array<MessageType> | null;
    enable_thinking?: string;
    stream_tokens?: boolean;
    include_pings?: boolean;
    background?: boolean;
    streaming?: boolean;
  }
  interface MessageCreateParamsNonStreaming extends MessageCreateParamsBase {
    streaming?: false;
  }
  interface MessageCreateParamsStreaming extends MessageCreateParamsBase {
    streaming: true;
  }
  type MessageCreateParams = MessageCreateParamsNonStreaming | MessageCreateParamsStreaming;
  type MessageStreamParams = Omit<MessageCreateParamsBase, 'streaming'>;
  interface MessageListParams extends PageParams {
    group_id?: string | null;
    conversation_id?: string | null;
    include_err?: boolean | null;
    include_return_message_types?: Array<MessageType> | null;
    use_assistant_message?: boolean;
    assistant_message_tool_name?: string;
    assistant_message_tool_kwarg?: string;
  }

  type MessageType =
    | 'system_message'
    | 'user_message'
    | 'assistant_message'
    | 'reasoning_message'
    | 'hidden_reasoning_message'
    | 'tool_call_message'
    | 'tool_return_message'
    | 'approval_request_message'
    | 'approval_response_message'
    | 'summary_message'
    | 'event_message';

  type StopReasonType =
    | 'end_turn'
    | 'error'
    | 'llm_api_error'
    | 'invalid_llm_response'
    | 'invalid_tool_call'
    | 'max_steps'
    | 'max_tokens_exceeded'
    | 'no_tool_call'
    | 'tool_rule'
    | 'cancelled'
    | 'insufficient_credits'
    | 'requires_approval'
    | 'context_window_overflow_in_system_prompt';

  interface MessageBase {
    id: string;
    date: string;
    name?: string | null;
    otid?: string | null;
    sender_id?: string | null;
    step_id?: string | null;
    run_id?: string | null;
    seq_id?: number | null;
    is_err?: boolean | null;
  }
  interface SystemMessage extends MessageBase {
    message_type?: 'system_message';
    content: string;
  }
  interface UserMessage extends MessageBase {
    message_type?: 'user_message';
    content: string | Array<TextContent>;
  }
  interface AssistantMessage extends MessageBase {
    message_type?: 'assistant_message';
    content: string | Array<TextContent>;
  }
  interface ReasoningMessage extends MessageBase {
    message_type?: 'reasoning_message';
    reasoning: string;
    source?: 'reasoner_model' | 'non_reasoner_model';
    signature?: string | null;
  }
  interface HiddenReasoningMessage extends MessageBase {
    message_type?: 'hidden_reasoning_message';
    state: 'redacted' | 'omitted';
    hidden_reasoning?: string | null;
  }
  interface ToolCall {
    name: string;
    arguments: string;
    tool_call_id: string;
  }
  interface ToolCallDelta {
    name?: string | null;
    arguments?: string | null;
    tool_call_id?: string | null;
  }
  interface ToolCallMessage extends MessageBase {
    message_type?: 'tool_call_message';
    tool_call: ToolCall | ToolCallDelta;
    tool_calls?: Array<ToolCall> | ToolCallDelta | null;
  }
  interface ToolReturnMessage extends MessageBase {
    message_type?: 'tool_return_message';
    tool_return: string;
    status: 'success' | 'error';
    tool_call_id: string;
    stdout?: Array<string> | null;
    stderr?: Array<string> | null;
  }
  interface ApprovalRequestMessage extends MessageBase {
    message_type?: 'approval_request_message';
    tool_call: ToolCall | ToolCallDelta;
  }
  interface ApprovalResponseMessage extends MessageBase {
    message_type?: 'approval_response_message';
    approve?: boolean | null;
    approval_request_id?: string | null;
    reason?: string | null;
  }
  interface SummaryMessage extends MessageBase {
    message_type?: 'summary_message';
    summary: string;
  }
  interface EventMessage extends MessageBase {
    message_type?: 'event_message';
    event_type: 'compaction';
    event_data: { [key: string]: unknown };
  }
  type Message =
    | SystemMessage
    | UserMessage
    | ReasoningMessage
    | HiddenReasoningMessage
    | ToolCallMessage
    | ToolReturnMessage
    | AssistantMessage
    | ApprovalRequestMessage
    | ApprovalResponseMessage
    | SummaryMessage
    | EventMessage;

  interface StopReason {
    message_type?: 'stop_reason';
    stop_reason: StopReasonType;
  }
  interface UsageStatistics {
    message_type?: 'usage_statistics';
    completion_tokens?: number;
    prompt_tokens?: number;
    total_tokens?: number;
    step_count?: number;
    run_ids?: Array<string> | null;
    cached_input_tokens?: number | null;
    cache_write_tokens?: number | null;
    reasoning_tokens?: number | null;
    context_tokens?: number | null;
  }
  interface LettaPing {
    message_type?: 'ping';
    id?: string;
    date?: string;
  }
  interface LettaErrorMessage {
    message_type?: 'error_message';
    error_type: string;
    message: string;
    run_id: string;
    detail?: string | null;
    seq_id?: number | null;
  }
  type LettaStreamingResponse =
    | SystemMessage
    | UserMessage
    | ReasoningMessage
    | HiddenReasoningMessage
    | ToolCallMessage
    | ToolReturnMessage
    | AssistantMessage
    | ApprovalRequestMessage
    | ApprovalResponseMessage
    | LettaPing
    | LettaErrorMessage
    | StopReason
    | UsageStatistics;

  interface LettaResponse {
    messages: Array<Message>;
    stop_reason: StopReason;
    usage: UsageStatistics;
    /** EXTENSION: a failed run also carries its error (Letta answers an HTTP error instead). */
    error?: LettaErrorMessage;
  }

  // ---- tools

  interface Tool {
    id: string;
    name?: string | null;
    description?: string | null;
    tool_type?: string;
    source_type?: string | null;
    source_code?: string | null;
    json_schema?: { [key: string]: unknown } | null;
    args_json_schema?: { [key: string]: unknown } | null;
    tags?: Array<string>;
    return_char_limit?: number;
    pip_requirements?: Array<unknown> | null;
    npm_requirements?: Array<unknown> | null;
    default_requires_approval?: boolean | null;
    enable_parallel_execution?: boolean | null;
    metadata_?: { [key: string]: unknown } | null;
    project_id?: string | null;
    created_by_id?: string | null;
    last_updated_by_id?: string | null;
  }
  interface ToolCreateParams {
    source_code: string;
    description?: string | null;
    tags?: Array<string> | null;
    source_type?: string;
    json_schema?: { [key: string]: unknown } | null;
    args_json_schema?: { [key: string]: unknown } | null;
    return_char_limit?: number;
    pip_requirements?: Array<unknown> | null;
    npm_requirements?: Array<unknown> | null;
    default_requires_approval?: boolean | null;
    enable_parallel_execution?: boolean | null;
  }
  type ToolUpsertParams = ToolCreateParams;
  type ToolUpdateParams = Partial<ToolCreateParams> & { metadata_?: { [key: string]: unknown } | null };
  interface ToolListParams extends PageParams {
    name?: string | null;
    names?: Array<string> | null;
    tool_ids?: Array<string> | null;
    search?: string | null;
    tool_types?: Array<string> | null;
    exclude_tool_types?: Array<string> | null;
    return_only_letta_tools?: boolean | null;
  }

  /** EXTENSION: what a JS tool body receives besides its arguments. */
  interface ToolContext {
    agent_id: string;
    /** The client the tool was bound through. */
    client: Letta;
    [key: string]: unknown;
  }
  /** EXTENSION: a custom tool's JS body; a string result is returned as is, anything else JSON-encoded. */
  type ToolFunction = (args: any, context: ToolContext) => unknown;
  /** EXTENSION: `tools.create` / `tools.upsert` with a JS body; the name is `json_schema.name` or `name`. */
  interface JsToolCreateParams extends Omit<ToolCreateParams, 'source_code'> {
    source_code?: string;
    name?: string;
    fn: ToolFunction;
  }

  interface Tools {
    create(body: ToolCreateParams | JsToolCreateParams, options?: RequestOptions): APIPromise<Tool>;
    upsert(body: ToolUpsertParams | JsToolCreateParams, options?: RequestOptions): APIPromise<Tool>;
    retrieve(toolID: string, options?: RequestOptions): APIPromise<Tool>;
    update(toolID: string, body: ToolUpdateParams, options?: RequestOptions): APIPromise<Tool>;
    list(query?: ToolListParams | null, options?: RequestOptions): PagePromise<ArrayPage<Tool>, Tool>;
    delete(toolID: string, options?: RequestOptions): APIPromise<unknown>;
    /** EXTENSION: binds (or re-binds) the JS body of the custom tool `name`. */
    bind(name: string, fn: ToolFunction): void;
  }

  interface Passage {
    id?: string;
    text: string;
    embedding?: Array<number> | null;
    embedding_config?: EmbeddingConfig | null;
    archive_id?: string | null;
    source_id?: string | null;
    file_id?: string | null;
    file_name?: string | null;
    metadata?: { [key: string]: unknown } | null;
    tags?: Array<string> | null;
    created_at?: string;
    updated_at?: string | null;
  }

  /** EXTENSION: one message between agents, as the interaction log keeps it (wire, snake_case). */
  interface Interaction {
    id: string;
    kind: 'async' | 'wait' | 'broadcast';
    sender_id: string;
    receiver_id: string;
    message: string;
    reply?: string[] | null;
    status: 'queued' | 'delivered' | 'replied' | 'failed' | 'refused';
    error?: string | null;
    sender_run_id?: string | null;
    receiver_run_id?: string | null;
    created_at: string;
    completed_at?: string | null;
  }
}

export { Letta };
export default Letta;
