// Error classes of the 0.x door (the shape of @letta-ai/letta-client 0.x, "Fern").
//
// 0.x has `LettaError { statusCode, body, rawResponse }` with the message
// "Status code: 404\nBody: {...}" and a few subclasses in the `Letta` namespace.
// We keep those fields and constructors, add `status` (= statusCode, the 1.x name), and put a
// readable first line in front of the message:
//   NotFoundError: Agent not found: agent-123 (status 404)
//   Status code: 404
//   Body: {"detail":"Agent not found: agent-123"}

/** The `rawResponse` object 0.x attaches to errors and `withRawResponse()` results. */
export function rawResponse(status) {
  return {
    headers: typeof Headers === 'function' ? new Headers() : {},
    redirected: false,
    status,
    statusText: '',
    type: 'basic',
    url: '',
  };
}

/** A one-line summary of an error body: `detail` (string or FastAPI/pydantic list), `message`, or JSON. */
export function describeBody(body) {
  if (body == null) return '';
  if (typeof body === 'string') return body;
  const detail = body.detail ?? body.message ?? body.error?.message ?? body.error;
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    // 422 bodies: {"detail":[{"loc":["body","label"],"msg":"Field required","type":"missing"}]}
    return detail
      .map((d) => (d && typeof d === 'object' ? [d.loc?.join('.'), d.msg].filter(Boolean).join(': ') : String(d)))
      .join('; ');
  }
  return safeJson(body);
}

function safeJson(value) {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function buildMessage({ message, statusCode, body }) {
  const lines = [];
  const summary = message ?? (body !== undefined ? describeBody(body) : undefined);
  if (summary) lines.push(statusCode != null ? `${summary} (status ${statusCode})` : summary);
  if (statusCode != null) lines.push(`Status code: ${statusCode}`);
  if (body !== undefined) lines.push(`Body: ${safeJson(body)}`);
  return lines.join('\n');
}

// The two doors have error classes of the same names (LettaError, NotFoundError, ...), and the
// package's `Letta` export serves both generations. "Twin" classes match each other's instances, so
// `err instanceof Letta.NotFoundError` (or the top-level `NotFoundError`, `LettaError`) holds for an
// error of either door. Pairs are registered by errors1.js.
const TWINS = new Map();
const ordinaryHasInstance = Function.prototype[Symbol.hasInstance];

/** Registers `[classA, classB]` pairs whose `instanceof` checks also accept the other's instances. */
export function twinErrors(pairs) {
  for (const [a, b] of pairs) {
    TWINS.set(a, b);
    TWINS.set(b, a);
  }
}

/** `x instanceof cls`, or of the twin of `cls`. */
export function isInstanceOrTwin(cls, x) {
  if (ordinaryHasInstance.call(cls, x)) return true;
  const twin = TWINS.get(cls);
  return twin !== undefined && ordinaryHasInstance.call(twin, x);
}

export class LettaError extends Error {
  static [Symbol.hasInstance](x) {
    return isInstanceOrTwin(this, x);
  }

  /** Same constructor as 0.x: `new LettaError({ message?, statusCode?, body?, rawResponse? })`. */
  constructor({ message, statusCode, body, rawResponse } = {}) {
    super(buildMessage({ message, statusCode, body }));
    this.name = 'LettaError';
    this.statusCode = statusCode;
    this.status = statusCode;
    this.body = body;
    this.rawResponse = rawResponse;
  }
}

/** 0.x: thrown when `timeoutInSeconds` elapses. Extends Error, NOT LettaError (as in 0.x). */
export class LettaTimeoutError extends Error {
  constructor(message) {
    super(message);
    this.name = 'LettaTimeoutError';
  }
}

// 0.x subclasses take (body, rawResponse), like Fern's generated `new Letta.NotFoundError(body, raw)`.
function statusClass(name, statusCode) {
  const cls = class extends LettaError {
    constructor(body, rawResponse_) {
      super({ statusCode, body, rawResponse: rawResponse_ ?? rawResponse(statusCode) });
      this.name = name;
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

export const BadRequestError = statusClass('BadRequestError', 400);
export const AuthenticationError = statusClass('AuthenticationError', 401);
export const PaymentRequiredError = statusClass('PaymentRequiredError', 402);
export const NotFoundError = statusClass('NotFoundError', 404);
export const ConflictError = statusClass('ConflictError', 409);
export const UnprocessableEntityError = statusClass('UnprocessableEntityError', 422);

const BY_STATUS = {
  400: BadRequestError,
  401: AuthenticationError,
  402: PaymentRequiredError,
  404: NotFoundError,
  409: ConflictError,
  422: UnprocessableEntityError,
};

/** Picks the 0.x error class for an engine error envelope `{status, body}`. */
export function errorFromEnvelope(status, body) {
  const Cls = BY_STATUS[status];
  if (Cls) return new Cls(body);
  // 0.x has no class for other statuses (5xx included): a plain LettaError.
  return new LettaError({ statusCode: status, body, rawResponse: rawResponse(status) });
}

/** The error kit an EngineHandle uses to build this door's errors. */
export const errors0 = {
  fromEnvelope: errorFromEnvelope,
  // 0.x reports an aborted request as a plain LettaError with this message.
  aborted: () => new LettaError({ message: 'The user aborted a request' }),
  timeout: (method, path) => new LettaTimeoutError(`Timeout exceeded when calling ${method} ${path}.`),
};
