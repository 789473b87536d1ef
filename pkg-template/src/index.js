// Public API (what `import ... from 'letta-wasm'` gives, after the entry file has initialised the
// wasm). The 0.x door mirrors @letta-ai/letta-client 0.x's exports: LettaClient, Letta (a namespace
// of enum consts and error classes), LettaEnvironment, LettaError, LettaTimeoutError. The 1.x door
// is `Letta` (default and named, see below), and `createFetchHandler` serves either over HTTP.

import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  LettaError,
  LettaTimeoutError,
  NotFoundError,
  PaymentRequiredError,
  UnprocessableEntityError,
} from './errors.js';

export { LettaClient } from './letta-client.js';
export {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  LettaError,
  LettaTimeoutError,
  NotFoundError,
  PaymentRequiredError,
  UnprocessableEntityError,
};

/** Same values as 0.x; kept for code that passes them around. Nothing is fetched from these URLs. */
export const LettaEnvironment = Object.freeze({
  LettaCloud: 'https://api.letta.com',
  SelfHosted: 'http://localhost:8283',
});

const MessageCreateRole = Object.freeze({ User: 'user', System: 'system', Assistant: 'assistant' });

const MessageType = Object.freeze({
  SystemMessage: 'system_message',
  UserMessage: 'user_message',
  AssistantMessage: 'assistant_message',
  ReasoningMessage: 'reasoning_message',
  HiddenReasoningMessage: 'hidden_reasoning_message',
  ToolCallMessage: 'tool_call_message',
  ToolReturnMessage: 'tool_return_message',
  ApprovalRequestMessage: 'approval_request_message',
  ApprovalResponseMessage: 'approval_response_message',
});

const StopReasonType = Object.freeze({
  EndTurn: 'end_turn',
  Error: 'error',
  InvalidLlmResponse: 'invalid_llm_response',
  InvalidToolCall: 'invalid_tool_call',
  MaxSteps: 'max_steps',
  NoToolCall: 'no_tool_call',
  ToolRule: 'tool_rule',
  Cancelled: 'cancelled',
  RequiresApproval: 'requires_approval',
  LlmApiError: 'llm_api_error',
  MaxTokensExceeded: 'max_tokens_exceeded',
  ContextWindowOverflowInSystemPrompt: 'context_window_overflow_in_system_prompt',
});

const AgentType = Object.freeze({
  MemgptAgent: 'memgpt_agent',
  MemgptV2Agent: 'memgpt_v2_agent',
  ReactAgent: 'react_agent',
  WorkflowAgent: 'workflow_agent',
  SplitThreadAgent: 'split_thread_agent',
  SleeptimeAgent: 'sleeptime_agent',
  VoiceConvoAgent: 'voice_convo_agent',
  VoiceSleeptimeAgent: 'voice_sleeptime_agent',
});

const ToolType = Object.freeze({
  Custom: 'custom',
  LettaCore: 'letta_core',
  LettaMemoryCore: 'letta_memory_core',
  LettaMultiAgentCore: 'letta_multi_agent_core',
  LettaSleeptimeCore: 'letta_sleeptime_core',
  LettaVoiceSleeptimeCore: 'letta_voice_sleeptime_core',
  LettaBuiltin: 'letta_builtin',
  LettaFilesCore: 'letta_files_core',
  ExternalComposio: 'external_composio',
  ExternalLangchain: 'external_langchain',
  ExternalMcp: 'external_mcp',
});

const ToolReturnMessageStatus = Object.freeze({ Success: 'success', Error: 'error' });

/** The value side of 0.x's `Letta` namespace (its types are in index.d.ts). */
const Letta0 = Object.freeze({
  MessageCreateRole,
  MessageType,
  StopReasonType,
  AgentType,
  ToolType,
  ToolReturnMessageStatus,
  BadRequestError,
  AuthenticationError,
  PaymentRequiredError,
  NotFoundError,
  ConflictError,
  UnprocessableEntityError,
});

// ---------------------------------------------------------------------------------------------
// The 1.x door and the HTTP door.
//
// `Letta` serves both generations: it is the 1.x client class (`new Letta({...})`, also the default
// export, as in @letta-ai/letta-client 1.x), and it carries the members of 0.x's `Letta` namespace as
// statics (`Letta.MessageCreateRole.User`, `Letta.NotFoundError`, ...). The error classes of the two
// generations that share a name match each other's instances (errors.js), so `err instanceof
// Letta.NotFoundError` holds for a 404 of either door; the statics 0.x has are its classes (their
// 0.x constructors), the others are 1.x's (`Letta.APIError`, `Letta.RateLimitError`, ...).

import { Letta } from './letta1.js';

Object.assign(Letta, Letta0);

export { Letta };
export default Letta;
export { APIPromise, ArrayPage, PagePromise, Stream } from './letta1.js';
export {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  InternalServerError,
  PermissionDeniedError,
  RateLimitError,
} from './errors1.js';
export { createFetchHandler } from './fetch-handler.js';
