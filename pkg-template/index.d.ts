// Types of letta-wasm's 0.x door: the shape of @letta-ai/letta-client 0.x (`LettaClient`, the
// `Letta` namespace, `LettaError`), written by hand for the subset letta-wasm implements, plus a few
// documented extensions (marked EXTENSION): scripted models, JS tool bodies, `close()`.
//
// Deliberate differences from 0.1.211's types: `Block.id`, `Tool.id` and `Passage.id` are `string`
// (always present in responses; 0.x declares them optional, which breaks `blockIds: [block.id]`
// under --strict), and `AgentState.blocks` is declared (the server sends it; 0.x passes it through).

// ---------------------------------------------------------------------------------------------
// Errors

export interface RawResponse {
  headers: Headers;
  redirected: boolean;
  status: number;
  statusText: string;
  type: string;
  url: string;
}

/**
 * Base error. Message: "<detail> (status N)\nStatus code: N\nBody: <json>".
 * Subclasses by status: 400 BadRequestError, 401 AuthenticationError, 402 PaymentRequiredError,
 * 404 NotFoundError, 409 ConflictError, 422 UnprocessableEntityError; other statuses are a LettaError.
 */
export declare class LettaError extends Error {
  readonly statusCode?: number;
  /** Same as `statusCode` (the 1.x name). */
  readonly status?: number;
  /** The parsed error body, e.g. `{ detail: "Agent not found: agent-..." }`. */
  readonly body?: unknown;
  readonly rawResponse?: RawResponse;
  constructor(options?: { message?: string; statusCode?: number; body?: unknown; rawResponse?: RawResponse });
}

/** Thrown when `timeoutInSeconds` elapses. Extends Error, not LettaError (as in 0.x). */
export declare class LettaTimeoutError extends Error {
  constructor(message: string);
}

declare class StatusError extends LettaError {
  readonly statusCode: number;
  readonly status: number;
  constructor(body?: unknown, rawResponse?: RawResponse);
}
export declare class BadRequestError extends StatusError {}
export declare class AuthenticationError extends StatusError {}
export declare class PaymentRequiredError extends StatusError {}
export declare class NotFoundError extends StatusError {}
export declare class ConflictError extends StatusError {}
export declare class UnprocessableEntityError extends StatusError {}

declare const BadRequestError_: typeof BadRequestError;
declare const AuthenticationError_: typeof AuthenticationError;
declare const PaymentRequiredError_: typeof PaymentRequiredError;
declare const NotFoundError_: typeof NotFoundError;
declare const ConflictError_: typeof ConflictError;
declare const UnprocessableEntityError_: typeof UnprocessableEntityError;
type BadRequestError_ = BadRequestError;
type AuthenticationError_ = AuthenticationError;
type PaymentRequiredError_ = PaymentRequiredError;
type NotFoundError_ = NotFoundError;
type ConflictError_ = ConflictError;
type UnprocessableEntityError_ = UnprocessableEntityError;

export declare const LettaEnvironment: {
  readonly LettaCloud: 'https://api.letta.com';
  readonly SelfHosted: 'http://localhost:8283';
};
export type LettaEnvironment = (typeof LettaEnvironment)[keyof typeof LettaEnvironment];

// ---------------------------------------------------------------------------------------------
// The `Letta` namespace: 0.x request/response types, enum consts and error classes

export declare namespace Letta {
  // enum-like consts (value + type)
  type MessageCreateRole = 'user' | 'system' | 'assistant';
  const MessageCreateRole: { readonly User: 'user'; readonly System: 'system'; readonly Assistant: 'assistant' };

  type MessageType =
    | 'system_message'
    | 'user_message'
    | 'assistant_message'
    | 'reasoning_message'
    | 'hidden_reasoning_message'
    | 'tool_call_message'
    | 'tool_return_message'
    | 'approval_request_message'
    | 'approval_response_message';
  const MessageType: {
    readonly SystemMessage: 'system_message';
    readonly UserMessage: 'user_message';
    readonly AssistantMessage: 'assistant_message';
    readonly ReasoningMessage: 'reasoning_message';
    readonly HiddenReasoningMessage: 'hidden_reasoning_message';
    readonly ToolCallMessage: 'tool_call_message';
    readonly ToolReturnMessage: 'tool_return_message';
    readonly ApprovalRequestMessage: 'approval_request_message';
    readonly ApprovalResponseMessage: 'approval_response_message';
  };

  type StopReasonType =
    | 'end_turn'
    | 'error'
    | 'invalid_llm_response'
    | 'invalid_tool_call'
    | 'max_steps'
    | 'no_tool_call'
    | 'tool_rule'
    | 'cancelled'
    | 'requires_approval'
    | 'llm_api_error'
    | 'max_tokens_exceeded'
    | 'context_window_overflow_in_system_prompt';
  const StopReasonType: {
    readonly EndTurn: 'end_turn';
    readonly Error: 'error';
    readonly InvalidLlmResponse: 'invalid_llm_response';
    readonly InvalidToolCall: 'invalid_tool_call';
    readonly MaxSteps: 'max_steps';
    readonly NoToolCall: 'no_tool_call';
    readonly ToolRule: 'tool_rule';
    readonly Cancelled: 'cancelled';
    readonly RequiresApproval: 'requires_approval';
    readonly LlmApiError: 'llm_api_error';
    readonly MaxTokensExceeded: 'max_tokens_exceeded';
    readonly ContextWindowOverflowInSystemPrompt: 'context_window_overflow_in_system_prompt';
  };

  type AgentType =
    | 'memgpt_agent'
    | 'memgpt_v2_agent'
    | 'react_agent'
    | 'workflow_agent'
    | 'split_thread_agent'
    | 'sleeptime_agent'
    | 'voice_convo_agent'
    | 'voice_sleeptime_agent';
  const AgentType: {
    readonly MemgptAgent: 'memgpt_agent';
    readonly MemgptV2Agent: 'memgpt_v2_agent';
    readonly ReactAgent: 'react_agent';
    readonly WorkflowAgent: 'workflow_agent';
    readonly SplitThreadAgent: 'split_thread_agent';
    readonly SleeptimeAgent: 'sleeptime_agent';
    readonly VoiceConvoAgent: 'voice_convo_agent';
    readonly VoiceSleeptimeAgent: 'voice_sleeptime_agent';
  };

  type ToolType =
    | 'custom'
    | 'letta_core'
    | 'letta_memory_core'
    | 'letta_multi_agent_core'
    | 'letta_sleeptime_core'
    | 'letta_voice_sleeptime_core'
    | 'letta_builtin'
    | 'letta_files_core'
    | 'external_composio'
    | 'external_langchain'
    | 'external_mcp';
  const ToolType: {
    readonly Custom: 'custom';
    readonly LettaCore: 'letta_core';
    readonly LettaMemoryCore: 'letta_memory_core';
    readonly LettaMultiAgentCore: 'letta_multi_agent_core';
    readonly LettaSleeptimeCore: 'letta_sleeptime_core';
    readonly LettaVoiceSleeptimeCore: 'letta_voice_sleeptime_core';
    readonly LettaBuiltin: 'letta_builtin';
    readonly LettaFilesCore: 'letta_files_core';
    readonly ExternalComposio: 'external_composio';
    readonly ExternalLangchain: 'external_langchain';
    readonly ExternalMcp: 'external_mcp';
  };

  type ToolReturnMessageStatus = 'success' | 'error';
  const ToolReturnMessageStatus: { readonly Success: 'success'; readonly Error: 'error' };

  // error classes (the same classes as the top-level exports)
  const BadRequestError: typeof BadRequestError_;
  type BadRequestError = BadRequestError_;
  const AuthenticationError: typeof AuthenticationError_;
  type AuthenticationError = AuthenticationError_;
  const PaymentRequiredError: typeof PaymentRequiredError_;
  type PaymentRequiredError = PaymentRequiredError_;
  const NotFoundError: typeof NotFoundError_;
  type NotFoundError = NotFoundError_;
  const ConflictError: typeof ConflictError_;
  type ConflictError = ConflictError_;
  const UnprocessableEntityError: typeof UnprocessableEntityError_;
  type UnprocessableEntityError = UnprocessableEntityError_;

  // ---- blocks

  interface Block {
    id: string;
    value: string;
    limit?: number;
    label?: string;
    description?: string;
    metadata?: Record<string, unknown>;
    readOnly?: boolean;
    hidden?: boolean;
    projectId?: string;
    name?: string;
    isTemplate?: boolean;
    baseTemplateId?: string;
    deploymentId?: string;
    entityId?: string;
    preserveOnMigration?: boolean;
    createdById?: string;
    lastUpdatedById?: string;
  }

  interface CreateBlock {
    label: string;
    value: string;
    limit?: number;
    description?: string;
    metadata?: Record<string, unknown>;
    readOnly?: boolean;
    hidden?: boolean;
    projectId?: string;
    name?: string;
    isTemplate?: boolean;
    baseTemplateId?: string;
    deploymentId?: string;
    entityId?: string;
    preserveOnMigration?: boolean;
  }

  type BlockUpdate = Partial<CreateBlock>;

  interface BlocksListRequest {
    label?: string;
    templatesOnly?: boolean;
    name?: string;
    identityId?: string;
    identifierKeys?: string | string[];
    projectId?: string;
    limit?: number;
    before?: string;
    after?: string;
    labelSearch?: string;
    descriptionSearch?: string;
    valueSearch?: string;
    connectedToAgentsCountGt?: number;
    connectedToAgentsCountLt?: number;
    connectedToAgentsCountEq?: number | number[];
  }

  namespace blocks {
    interface AgentsListRequest {
      includeRelationships?: string | string[];
    }
  }

  // ---- agents

  interface LlmConfig {
    model: string;
    modelEndpointType: string;
    modelEndpoint?: string;
    providerName?: string;
    providerCategory?: string;
    modelWrapper?: string;
    contextWindow: number;
    putInnerThoughtsInKwargs?: boolean;
    handle?: string;
    temperature?: number;
    maxTokens?: number;
    enableReasoner?: boolean;
    reasoningEffort?: string;
    maxReasoningTokens?: number;
    frequencyPenalty?: number;
    compatibilityType?: string;
    verbosity?: string;
    tier?: string;
  }

  interface EmbeddingConfig {
    embeddingEndpointType: string;
    embeddingEndpoint?: string;
    embeddingModel: string;
    embeddingDim: number;
    embeddingChunkSize?: number;
    handle?: string;
    batchSize?: number;
    azureEndpoint?: string;
    azureVersion?: string;
    azureDeployment?: string;
  }

  interface Memory {
    blocks: Block[];
    fileBlocks?: Array<Record<string, unknown>>;
    promptTemplate?: string;
  }

  /** A tool rule, e.g. `{ type: 'exit_loop', toolName: 'send_message' }`. */
  interface ToolRule {
    toolName: string;
    type?: string;
    [key: string]: unknown;
  }

  interface AgentEnvironmentVariable {
    key: string;
    value: string;
    agentId?: string;
    id?: string;
    description?: string;
    [key: string]: unknown;
  }

  interface Source {
    id?: string;
    name: string;
    [key: string]: unknown;
  }

  interface AgentState {
    id: string;
    name: string;
    system: string;
    agentType: AgentType;
    llmConfig: LlmConfig;
    embeddingConfig: EmbeddingConfig;
    memory: Memory;
    /** The agent's blocks (sent by the server; not declared by 0.x's type). */
    blocks?: Block[];
    tools: Tool[];
    sources: Source[];
    tags: string[];
    description?: string;
    metadata?: Record<string, unknown>;
    toolRules?: ToolRule[];
    messageIds?: string[];
    responseFormat?: Record<string, unknown>;
    toolExecEnvironmentVariables?: AgentEnvironmentVariable[];
    projectId?: string;
    templateId?: string;
    baseTemplateId?: string;
    deploymentId?: string;
    entityId?: string;
    identityIds?: string[];
    messageBufferAutoclear?: boolean;
    enableSleeptime?: boolean;
    multiAgentGroup?: Record<string, unknown>;
    lastRunCompletion?: Date;
    lastRunDurationMs?: number;
    timezone?: string;
    maxFilesOpen?: number;
    perFileViewWindowCharLimit?: number;
    hidden?: boolean;
    createdById?: string;
    lastUpdatedById?: string;
    createdAt?: Date;
    updatedAt?: Date;
  }

  interface CreateAgentRequest {
    name?: string;
    memoryBlocks?: CreateBlock[];
    tools?: string[];
    toolIds?: string[];
    sourceIds?: string[];
    blockIds?: string[];
    toolRules?: ToolRule[];
    tags?: string[];
    system?: string;
    agentType?: AgentType;
    llmConfig?: LlmConfig;
    embeddingConfig?: EmbeddingConfig;
    initialMessageSequence?: MessageCreate[];
    includeBaseTools?: boolean;
    includeMultiAgentTools?: boolean;
    includeBaseToolRules?: boolean;
    includeDefaultSource?: boolean;
    description?: string;
    metadata?: Record<string, unknown>;
    /** A model handle `provider/model`, e.g. `openai/gpt-4o-mini` or `scripted/<name>`. */
    model?: string;
    embedding?: string;
    contextWindowLimit?: number;
    embeddingChunkSize?: number;
    maxTokens?: number;
    maxReasoningTokens?: number;
    enableReasoner?: boolean;
    reasoning?: boolean;
    fromTemplate?: string;
    template?: boolean;
    project?: string;
    toolExecEnvironmentVariables?: Record<string, string | undefined>;
    memoryVariables?: Record<string, string | undefined>;
    projectId?: string;
    templateId?: string;
    baseTemplateId?: string;
    identityIds?: string[];
    messageBufferAutoclear?: boolean;
    enableSleeptime?: boolean;
    responseFormat?: Record<string, unknown>;
    timezone?: string;
    maxFilesOpen?: number;
    perFileViewWindowCharLimit?: number;
    hidden?: boolean;
  }

  interface UpdateAgent {
    name?: string;
    toolIds?: string[];
    sourceIds?: string[];
    blockIds?: string[];
    tags?: string[];
    system?: string;
    toolRules?: ToolRule[];
    llmConfig?: LlmConfig;
    embeddingConfig?: EmbeddingConfig;
    messageIds?: string[];
    description?: string;
    metadata?: Record<string, unknown>;
    toolExecEnvironmentVariables?: Record<string, string | undefined>;
    projectId?: string;
    templateId?: string;
    baseTemplateId?: string;
    identityIds?: string[];
    messageBufferAutoclear?: boolean;
    model?: string;
    embedding?: string;
    reasoning?: boolean;
    enableSleeptime?: boolean;
    responseFormat?: Record<string, unknown>;
    lastRunCompletion?: Date;
    lastRunDurationMs?: number;
    timezone?: string;
    maxFilesOpen?: number;
    perFileViewWindowCharLimit?: number;
    hidden?: boolean;
  }

  interface AgentsListRequest {
    name?: string;
    tags?: string | string[];
    matchAllTags?: boolean;
    before?: string;
    after?: string;
    limit?: number;
    queryText?: string;
    projectId?: string;
    templateId?: string;
    baseTemplateId?: string;
    identityId?: string;
    identifierKeys?: string | string[];
    includeRelationships?: string | string[];
    ascending?: boolean;
    sortBy?: string;
  }

  interface AgentsRetrieveRequest {
    includeRelationships?: string | string[];
  }

  // ---- tools

  interface PipRequirement {
    name: string;
    version?: string;
  }
  interface NpmRequirement {
    name: string;
    version?: string;
  }

  interface Tool {
    id: string;
    toolType?: ToolType;
    description?: string;
    sourceType?: string;
    name?: string;
    tags?: string[];
    sourceCode?: string;
    jsonSchema?: Record<string, unknown>;
    argsJsonSchema?: Record<string, unknown>;
    returnCharLimit?: number;
    pipRequirements?: PipRequirement[];
    npmRequirements?: NpmRequirement[];
    defaultRequiresApproval?: boolean;
    createdById?: string;
    lastUpdatedById?: string;
    /** The wire's `metadata_`. */
    metadata?: Record<string, unknown>;
  }

  interface ToolCreate {
    sourceCode: string;
    description?: string;
    tags?: string[];
    sourceType?: string;
    jsonSchema?: Record<string, unknown>;
    argsJsonSchema?: Record<string, unknown>;
    returnCharLimit?: number;
    pipRequirements?: PipRequirement[];
    npmRequirements?: NpmRequirement[];
    defaultRequiresApproval?: boolean;
  }

  interface ToolUpdate extends Partial<ToolCreate> {
    metadata?: Record<string, unknown>;
  }

  interface ToolsListRequest {
    after?: string;
    limit?: number;
    name?: string;
    names?: string | string[];
    toolIds?: string | string[];
    search?: string;
    toolTypes?: string | string[];
    excludeToolTypes?: string | string[];
    returnOnlyLettaTools?: boolean;
  }

  interface ToolsCountRequest {
    name?: string;
    names?: string | string[];
    toolIds?: string | string[];
    search?: string;
    toolTypes?: string | string[];
    excludeToolTypes?: string | string[];
    returnOnlyLettaTools?: boolean;
    excludeLettaTools?: boolean;
  }

  // ---- messages (requests)

  interface TextContent {
    type: 'text';
    text: string;
  }
  interface ImageContent {
    type: 'image';
    source: Record<string, unknown>;
  }
  type LettaUserMessageContentUnion = TextContent | ImageContent;
  type MessageCreateContent = LettaUserMessageContentUnion[] | string;

  interface MessageCreate {
    type?: 'message';
    role: MessageCreateRole;
    content: MessageCreateContent;
    name?: string;
    otid?: string;
    senderId?: string;
    batchItemId?: string;
    groupId?: string;
  }

  interface ApprovalCreate {
    type?: 'approval';
    approve: boolean;
    approvalRequestId: string;
    reason?: string;
  }

  type LettaRequestMessagesItem = MessageCreate | ApprovalCreate;

  interface LettaRequest {
    messages: LettaRequestMessagesItem[];
    maxSteps?: number;
    useAssistantMessage?: boolean;
    assistantMessageToolName?: string;
    assistantMessageToolKwarg?: string;
    includeReturnMessageTypes?: MessageType[];
    enableThinking?: string;
  }

  interface LettaStreamingRequest extends LettaRequest {
    streamTokens?: boolean;
    includePings?: boolean;
    background?: boolean;
  }

  // ---- messages (responses); `messageType` is the discriminator

  interface LettaMessageBase {
    id: string;
    date: Date;
    name?: string;
    otid?: string;
    senderId?: string;
    stepId?: string;
    isErr?: boolean;
    seqId?: number;
    runId?: string;
  }

  interface SystemMessage extends LettaMessageBase {
    messageType: 'system_message';
    content: string;
  }
  interface UserMessage extends LettaMessageBase {
    messageType: 'user_message';
    content: MessageCreateContent;
  }
  interface AssistantMessage extends LettaMessageBase {
    messageType: 'assistant_message';
    content: Array<TextContent & { signature?: string }> | string;
  }
  interface ReasoningMessage extends LettaMessageBase {
    messageType: 'reasoning_message';
    reasoning: string;
    source?: 'reasoner_model' | 'non_reasoner_model';
    signature?: string;
  }
  interface HiddenReasoningMessage extends LettaMessageBase {
    messageType: 'hidden_reasoning_message';
    state: 'redacted' | 'omitted';
    hiddenReasoning?: string;
  }
  interface ToolCall {
    name: string;
    /** JSON text. */
    arguments: string;
    toolCallId: string;
  }
  interface ToolCallDelta {
    name?: string;
    arguments?: string;
    toolCallId?: string;
  }
  interface ToolCallMessage extends LettaMessageBase {
    messageType: 'tool_call_message';
    toolCall: ToolCall | ToolCallDelta;
  }
  interface ToolReturnMessage extends LettaMessageBase {
    messageType: 'tool_return_message';
    toolReturn: string;
    status: ToolReturnMessageStatus;
    toolCallId: string;
    stdout?: string[];
    stderr?: string[];
  }
  interface ApprovalRequestMessage extends LettaMessageBase {
    messageType: 'approval_request_message';
    toolCall: ToolCall | ToolCallDelta;
  }
  interface ApprovalResponseMessage extends LettaMessageBase {
    messageType: 'approval_response_message';
    approve: boolean;
    approvalRequestId: string;
    reason?: string;
  }

  type LettaMessageUnion =
    | SystemMessage
    | UserMessage
    | ReasoningMessage
    | HiddenReasoningMessage
    | ToolCallMessage
    | ToolReturnMessage
    | AssistantMessage
    | ApprovalRequestMessage
    | ApprovalResponseMessage;

  interface LettaPing {
    messageType: 'ping';
  }
  interface LettaStopReason {
    messageType?: 'stop_reason';
    stopReason: StopReasonType;
  }
  interface LettaUsageStatistics {
    messageType?: 'usage_statistics';
    completionTokens?: number;
    promptTokens?: number;
    totalTokens?: number;
    stepCount?: number;
    runIds?: string[];
  }

  /** One chunk of `agents.messages.createStream`. */
  type LettaStreamingResponse = LettaMessageUnion | LettaPing | LettaStopReason | LettaUsageStatistics;

  interface LettaResponse {
    messages: LettaMessageUnion[];
    stopReason: LettaStopReason;
    usage: LettaUsageStatistics;
  }

  // ---- archival memory

  interface Passage {
    id: string;
    text: string;
    embedding?: number[] | null;
    embeddingConfig?: EmbeddingConfig | null;
    archiveId?: string;
    sourceId?: string;
    fileId?: string;
    fileName?: string;
    metadata?: Record<string, unknown>;
    tags?: string[];
    isDeleted?: boolean;
    createdById?: string;
    lastUpdatedById?: string;
    createdAt?: Date;
    updatedAt?: Date;
  }

  interface ArchivalMemorySearchResult {
    /** ISO date string (0.x leaves it a string). */
    timestamp: string;
    content: string;
    tags?: string[];
  }
  interface ArchivalMemorySearchResponse {
    results: ArchivalMemorySearchResult[];
    count: number;
  }

  // ---- request types 0.x keeps under `Letta.agents`

  namespace agents {
    type LettaStreamingResponse = Letta.LettaStreamingResponse;
    interface MessagesListRequest {
      after?: string;
      before?: string;
      limit?: number;
      groupId?: string;
      useAssistantMessage?: boolean;
      assistantMessageToolName?: string;
      assistantMessageToolKwarg?: string;
      includeErr?: boolean;
    }
    interface MessagesResetRequest {
      /** Sent as a query parameter, as 0.x does. */
      addDefaultInitialMessages?: boolean;
    }
    interface CreateArchivalMemory {
      text: string;
      tags?: string[];
      createdAt?: Date;
    }
    interface PassagesListRequest {
      after?: string;
      before?: string;
      limit?: number;
      search?: string;
      ascending?: boolean;
    }
    type PassagesSearchRequestTagMatchMode = 'any' | 'all';
    interface PassagesSearchRequest {
      query: string;
      tags?: string | string[];
      tagMatchMode?: PassagesSearchRequestTagMatchMode;
      topK?: number;
      startDatetime?: Date;
      endDatetime?: Date;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// EXTENSION: scripted models (deterministic chat models `scripted/<name>`, for tests and demos)

/** What a scripted model receives for each LLM call (snake_case, as the engine builds it). */
export interface ScriptedRequest {
  /** `scripted/<name>` */
  model: string;
  messages: ScriptedMessage[];
  tools: Array<{ name: string; description: string; parameters: Record<string, unknown> }>;
  agent_id: string;
  /** Step number within the current run, from 0. */
  step: number;
}

export interface ScriptedMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  name?: string;
  tool_calls?: Array<{ id: string; name: string; /** JSON text */ arguments: string }>;
  tool_call_id?: string;
}

export interface ScriptedToolCall {
  id?: string;
  name: string;
  /** An object, or its JSON text. */
  arguments: Record<string, unknown> | string;
}

/** What a scripted model answers. camelCase keys (`toolCalls`, `promptTokens`) are accepted too. */
export interface ScriptedResponse {
  content?: string;
  reasoning?: string;
  tool_calls?: ScriptedToolCall[];
  toolCalls?: ScriptedToolCall[];
  usage?: { prompt_tokens?: number; completion_tokens?: number; promptTokens?: number; completionTokens?: number };
  /** Answer an LLM error instead (e.g. `{ status: 429, message: 'rate limited' }`). */
  error?: { status?: number; message: string };
}

/** A string answer is short for `{ content: string }`. */
export type ScriptedAnswer = ScriptedResponse | string;

/** A thrown error becomes `{ error: { message, status? } }` (status taken from `err.status`). */
export type ScriptedFunction = (request: ScriptedRequest) => ScriptedAnswer | Promise<ScriptedAnswer>;

/**
 * A function called for every LLM call, or a queue of answers (or functions) used in order; an
 * empty queue answers `{ error: { message: 'scripted/<name>: no scripted response left' } }`.
 */
export type ScriptedModel = ScriptedFunction | Array<ScriptedAnswer | ScriptedFunction>;

export interface ScriptedStats {
  calls: number;
  inFlight: number;
  peakInFlight: number;
}

// ---------------------------------------------------------------------------------------------
// EXTENSION: JS bodies for custom tools

export interface ToolContext {
  /** The agent calling the tool. */
  agentId: string;
  /** The client the tool was bound through, e.g. to message other agents from a tool. */
  client: LettaClient;
  [key: string]: unknown;
}

/**
 * A custom tool's body. `args` is the parsed arguments object. A string result is the tool's
 * return as is; anything else is JSON-encoded. A throw (or rejection) is reported to the model as
 * a tool error.
 */
export type ToolFunction = (args: any, context: ToolContext) => unknown;

/** `tools.create` / `tools.upsert` with a JS body. The tool's name is `jsonSchema.name` or `name`. */
export interface JsToolCreate extends Omit<Letta.ToolCreate, 'sourceCode'> {
  sourceCode?: string;
  name?: string;
  fn: ToolFunction;
}

// ---------------------------------------------------------------------------------------------
// The client

/** A Promise of the data with 0.x's `.withRawResponse()`. */
export interface HttpResponsePromise<T> extends Promise<T> {
  withRawResponse(): Promise<{ data: T; rawResponse: RawResponse }>;
}

/** The async iterable `createStream` resolves to. Single use; `break` stops it. */
export interface LettaStream<T> extends AsyncIterableIterator<T> {
  /** Stops reading, like `break` in a `for await`. The engine finishes the run in the background. */
  abort(): void;
}

type Supplier<T> = T | Promise<T> | (() => T | Promise<T>);

export declare namespace LettaClient {
  interface Options {
    /** Accepted for compatibility; not used (everything runs in-process). */
    token?: Supplier<string | undefined>;
    /** Accepted for compatibility; not used. */
    baseUrl?: Supplier<string>;
    /** Accepted for compatibility; not used. */
    environment?: Supplier<LettaEnvironment | string>;
    /** Accepted for compatibility; not used. */
    project?: Supplier<string | undefined>;
    /** Accepted for compatibility; not used. */
    fetcher?: unknown;
    /** EXTENSION: model providers. `scripted: { name: model }` defines `scripted/<name>` models. */
    providers?: { scripted?: Record<string, ScriptedModel> } & { [provider: string]: ProviderSettings | Record<string, ScriptedModel> | undefined };
    /**
     * EXTENSION: where the team lives: `"memory"` (the default), `"indexeddb"` or
     * `{ type: "indexeddb", name }` (browsers), or a host store (async get/put/delete/list, e.g. a
     * Durable Object's `storage`). Persistent stores open in the background; see `ready`.
     */
    storage?: StorageOption;
  }

  interface RequestOptions {
    /**
     * Rejects with LettaTimeoutError after this long (no default; the engine call runs on). For
     * `createStream` it covers the wait for the first chunk.
     */
    timeoutInSeconds?: number;
    /** Accepted; not used (there is no network to retry). */
    maxRetries?: number;
    /** Rejects with LettaError('The user aborted a request'); a stream stops. */
    abortSignal?: AbortSignal;
    /** Accepted; not used. */
    project?: string;
    /** Accepted; not used. */
    headers?: Record<string, string>;
  }
}

type Opts = LettaClient.RequestOptions;

export declare class LettaClient {
  constructor(options?: LettaClient.Options);
  readonly blocks: {
    create(request: Letta.CreateBlock, requestOptions?: Opts): HttpResponsePromise<Letta.Block>;
    retrieve(blockId: string, requestOptions?: Opts): HttpResponsePromise<Letta.Block>;
    modify(blockId: string, request: Letta.BlockUpdate, requestOptions?: Opts): HttpResponsePromise<Letta.Block>;
    list(request?: Letta.BlocksListRequest, requestOptions?: Opts): HttpResponsePromise<Letta.Block[]>;
    delete(blockId: string, requestOptions?: Opts): HttpResponsePromise<unknown>;
    count(requestOptions?: Opts): HttpResponsePromise<number>;
    readonly agents: {
      list(blockId: string, request?: Letta.blocks.AgentsListRequest, requestOptions?: Opts): HttpResponsePromise<Letta.AgentState[]>;
    };
  };
  readonly agents: {
    create(request?: Letta.CreateAgentRequest, requestOptions?: Opts): HttpResponsePromise<Letta.AgentState>;
    retrieve(agentId: string, request?: Letta.AgentsRetrieveRequest, requestOptions?: Opts): HttpResponsePromise<Letta.AgentState>;
    modify(agentId: string, request?: Letta.UpdateAgent, requestOptions?: Opts): HttpResponsePromise<Letta.AgentState>;
    list(request?: Letta.AgentsListRequest, requestOptions?: Opts): HttpResponsePromise<Letta.AgentState[]>;
    delete(agentId: string, requestOptions?: Opts): HttpResponsePromise<unknown>;
    count(requestOptions?: Opts): HttpResponsePromise<number>;
    /** Core memory. */
    readonly blocks: {
      list(agentId: string, requestOptions?: Opts): HttpResponsePromise<Letta.Block[]>;
      retrieve(agentId: string, blockLabel: string, requestOptions?: Opts): HttpResponsePromise<Letta.Block>;
      modify(agentId: string, blockLabel: string, request: Letta.BlockUpdate, requestOptions?: Opts): HttpResponsePromise<Letta.Block>;
      attach(agentId: string, blockId: string, requestOptions?: Opts): HttpResponsePromise<Letta.AgentState>;
      detach(agentId: string, blockId: string, requestOptions?: Opts): HttpResponsePromise<Letta.AgentState>;
    };
    readonly messages: {
      create(agentId: string, request: Letta.LettaRequest, requestOptions?: Opts): HttpResponsePromise<Letta.LettaResponse>;
      /**
       * Resolves at the first chunk (an error before it rejects the call); then yields reasoning,
       * tool call/return and assistant messages, then `stop_reason` and `usage_statistics` chunks.
       * An error after some chunks is thrown by the iterator once they are consumed.
       */
      createStream(
        agentId: string,
        request: Letta.LettaStreamingRequest,
        requestOptions?: Opts,
      ): HttpResponsePromise<LettaStream<Letta.LettaStreamingResponse>>;
      list(agentId: string, request?: Letta.agents.MessagesListRequest, requestOptions?: Opts): HttpResponsePromise<Letta.LettaMessageUnion[]>;
      reset(agentId: string, request?: Letta.agents.MessagesResetRequest, requestOptions?: Opts): HttpResponsePromise<Letta.AgentState>;
      /** Stops the agent's active runs (or `runIds`): `{ [runId]: 'cancelled' }`. */
      cancel(agentId: string, request?: { runIds?: string[] }, requestOptions?: Opts): HttpResponsePromise<Record<string, unknown>>;
    };
    readonly tools: {
      list(agentId: string, requestOptions?: Opts): HttpResponsePromise<Letta.Tool[]>;
      attach(agentId: string, toolId: string, requestOptions?: Opts): HttpResponsePromise<Letta.AgentState>;
      detach(agentId: string, toolId: string, requestOptions?: Opts): HttpResponsePromise<Letta.AgentState>;
    };
    /** Archival memory. */
    readonly passages: {
      create(agentId: string, request: Letta.agents.CreateArchivalMemory, requestOptions?: Opts): HttpResponsePromise<Letta.Passage[]>;
      list(agentId: string, request?: Letta.agents.PassagesListRequest, requestOptions?: Opts): HttpResponsePromise<Letta.Passage[]>;
      search(
        agentId: string,
        request: Letta.agents.PassagesSearchRequest,
        requestOptions?: Opts,
      ): HttpResponsePromise<Letta.ArchivalMemorySearchResponse>;
      delete(agentId: string, memoryId: string, requestOptions?: Opts): HttpResponsePromise<unknown>;
    };
  };
  readonly tools: {
    /** EXTENSION: pass `fn` to give the tool a JS body (see `JsToolCreate`). */
    create(request: Letta.ToolCreate | JsToolCreate, requestOptions?: Opts): HttpResponsePromise<Letta.Tool>;
    /** EXTENSION: pass `fn` to give the tool a JS body (see `JsToolCreate`). */
    upsert(request: Letta.ToolCreate | JsToolCreate, requestOptions?: Opts): HttpResponsePromise<Letta.Tool>;
    retrieve(toolId: string, requestOptions?: Opts): HttpResponsePromise<Letta.Tool>;
    modify(toolId: string, request?: Letta.ToolUpdate, requestOptions?: Opts): HttpResponsePromise<Letta.Tool>;
    list(request?: Letta.ToolsListRequest, requestOptions?: Opts): HttpResponsePromise<Letta.Tool[]>;
    delete(toolId: string, requestOptions?: Opts): HttpResponsePromise<unknown>;
    count(request?: Letta.ToolsCountRequest, requestOptions?: Opts): HttpResponsePromise<number>;
    /** EXTENSION: binds (or re-binds) the JS body of the custom tool `name`. */
    bind(name: string, fn: ToolFunction): void;
  };
  /** EXTENSION: scripted models `scripted/<name>` (use the handle as an agent's `model`). */
  readonly scripted: {
    /** Programs `scripted/<name>` (`name` may include the `scripted/` prefix). Redefining replaces it. */
    define(name: string, model: ScriptedModel): void;
    /** The requests `scripted/<name>` received, oldest first. */
    requests(name: string): ScriptedRequest[];
    stats(name: string): ScriptedStats;
  };
  /** EXTENSION: the log of messages agents sent each other (multi-agent tools), oldest first. */
  readonly interactions: {
    list(request?: { agentId?: string; limit?: number; after?: string }, requestOptions?: Opts): HttpResponsePromise<Interaction[]>;
  };
  /** EXTENSION: resolves once every `send_message_to_agent_async` message has been processed. */
  waitForIdle(): Promise<void>;
  /** EXTENSION: resolves once the store is open (at once in memory); rejects if it cannot open. */
  readonly ready: Promise<void>;
  /** EXTENSION: frees the wasm engine and its memory; the client is unusable afterwards. */
  close(): void;
}

/** EXTENSION: where an engine keeps its state. */
export type StorageOption = 'memory' | 'indexeddb' | { type: 'memory' | 'indexeddb'; name?: string } | HostStore;

/** EXTENSION: a host's storage object (a Durable Object's `storage`, Workers KV, a Map adapter). */
export interface HostStore {
  get(key: string): Promise<unknown>;
  put(key: string, value: string): Promise<unknown>;
  delete(key: string): Promise<unknown>;
  list(options: { prefix: string; cursor?: string }): Promise<unknown>;
  /** When present (Durable Objects), commits run inside it and are atomic across engines. */
  transaction?(fn: (txn: HostStore) => Promise<unknown>): Promise<unknown>;
}

/** EXTENSION: an LLM provider's settings (see docs/providers.md). */
export interface ProviderSettings {
  apiKey?: string;
  baseUrl?: string;
  /** For a named OpenAI-compatible server (ollama, vllm, openrouter...): `'openai'`. */
  kind?: 'openai' | 'anthropic' | 'google_ai';
  timeoutMs?: number;
  maxRetries?: number;
}

/** EXTENSION: one message between agents, as the interaction log keeps it. */
export interface Interaction {
  id: string;
  /** `async` (send_message_to_agent_async), `wait` (…_and_wait_for_reply) or `broadcast` (tags). */
  kind: 'async' | 'wait' | 'broadcast';
  senderId: string;
  receiverId: string;
  message: string;
  /** The receiver's reply texts (`wait` and `broadcast`). */
  reply?: string[] | null;
  status: 'queued' | 'delivered' | 'replied' | 'failed' | 'refused';
  error?: string | null;
  senderRunId?: string | null;
  receiverRunId?: string | null;
  createdAt: Date;
  completedAt?: Date | null;
}

// =============================================================================================
// The 1.x door (`Letta`, also the default export) and the HTTP door (`createFetchHandler`).
// Declared in letta1.d.ts; this section only wires them into the package's exports.
//
// `Letta` serves both generations. The default export is the 1.x client class with the 1.x types in
// its namespace (`import Letta from 'letta-wasm'`; `Letta.AgentState` is snake_case). The named export
// `Letta` is the same class at runtime; its namespace keeps 0.x's types and consts above (so the 0.x
// seeds' `Letta.AgentState`, `Letta.MessageCreateRole.User`, `Letta.NotFoundError` keep working). 1.x
// code that needs the 1.x types should use the default import, as 1.x's own README does.

import LettaV1 from './letta1.js';

export default LettaV1;

/** The 1.x client (see letta1.d.ts); `new Letta({...})` works with the named import too. */
export declare class Letta {
  constructor(options?: LettaV1.ClientOptions);
}
export interface Letta extends LettaV1 {}

export {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIPromise,
  APIUserAbortError,
  ArrayPage,
  createFetchHandler,
  InternalServerError,
  PagePromise,
  PermissionDeniedError,
  RateLimitError,
  Stream,
} from './letta1.js';
export type { FetchHandler, FetchHandlerOptions } from './letta1.js';

// Keep the helper declarations above (StatusError, *_, Supplier, Opts) private to this file.
export {};
