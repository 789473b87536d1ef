// Error classes of the 1.x door (the shape of @letta-ai/letta-client 1.x, "Stainless").
//
//   LettaError extends Error
//   APIError extends LettaError { status, headers, error (= parsed body) }
//     BadRequestError 400, AuthenticationError 401, PermissionDeniedError 403, NotFoundError 404,
//     ConflictError 409, UnprocessableEntityError 422, RateLimitError 429, InternalServerError >= 500
//     APIUserAbortError, APIConnectionError > APIConnectionTimeoutError (status undefined)
//
// Message: "<status> <detail>" (1.x prints "<status> <error.message or JSON of the body>"; we prefer a
// string `detail` when the body has one, which is what Letta's error bodies carry).

import * as errors0 from './errors.js';
import { describeBody, isInstanceOrTwin, twinErrors } from './errors.js';

export class LettaError extends Error {
  /** Also true for the 0.x class of the same name (see errors.js). */
  static [Symbol.hasInstance](x) {
    return isInstanceOrTwin(this, x);
  }

  constructor(message) {
    super(message);
    this.name = 'LettaError';
  }
}

export class APIError extends LettaError {
  constructor(status, error, message, headers) {
    super(APIError.makeMessage(status, error, message));
    this.name = 'APIError';
    this.status = status;
    this.headers = headers;
    this.error = error;
  }

  static makeMessage(status, error, message) {
    const msg = error !== undefined ? describeBody(error) : message;
    if (status && msg) return `${status} ${msg}`;
    if (status) return `${status} status code (no body)`;
    return msg || '(no status code or body)';
  }

  /** Same as Stainless' `APIError.generate`: picks the subclass for a status. */
  static generate(status, error, message, headers) {
    if (!status || !headers) return new APIConnectionError({ message, cause: error });
    const Cls = classForStatus(status);
    return new Cls(status, error, message, headers);
  }
}

function statusClass(name) {
  const cls = class extends APIError {
    constructor(status, error, message, headers) {
      super(status, error, message, headers);
      this.name = name;
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

export const BadRequestError = statusClass('BadRequestError');
export const AuthenticationError = statusClass('AuthenticationError');
export const PermissionDeniedError = statusClass('PermissionDeniedError');
export const NotFoundError = statusClass('NotFoundError');
export const ConflictError = statusClass('ConflictError');
export const UnprocessableEntityError = statusClass('UnprocessableEntityError');
export const RateLimitError = statusClass('RateLimitError');
export const InternalServerError = statusClass('InternalServerError');

export class APIUserAbortError extends APIError {
  constructor({ message } = {}) {
    super(undefined, undefined, message || 'Request was aborted.', undefined);
    this.name = 'APIUserAbortError';
  }
}

export class APIConnectionError extends APIError {
  constructor({ message, cause } = {}) {
    super(undefined, undefined, message || 'Connection error.', undefined);
    this.name = 'APIConnectionError';
    if (cause) this.cause = cause;
  }
}

export class APIConnectionTimeoutError extends APIConnectionError {
  constructor({ message } = {}) {
    super({ message: message ?? 'Request timed out.' });
    this.name = 'APIConnectionTimeoutError';
  }
}

function classForStatus(status) {
  switch (status) {
    case 400: return BadRequestError;
    case 401: return AuthenticationError;
    case 403: return PermissionDeniedError;
    case 404: return NotFoundError;
    case 409: return ConflictError;
    case 422: return UnprocessableEntityError;
    case 429: return RateLimitError;
    default: return status >= 500 ? InternalServerError : APIError;
  }
}

/** Picks the 1.x error class for an engine error envelope `{status, body}`. */
export function errorFromEnvelope(status, body) {
  const headers = typeof Headers === 'function' ? new Headers({ 'content-type': 'application/json' }) : {};
  return new (classForStatus(status))(status, body, undefined, headers);
}

/** The error kit an EngineHandle uses to build this door's errors. */
export const errors1 = {
  fromEnvelope: errorFromEnvelope,
  aborted: () => new APIUserAbortError(),
  timeout: () => new APIConnectionTimeoutError(),
};

// `instanceof` across the doors: the 0.x and 1.x classes of the same name match each other's errors.
twinErrors([
  [errors0.LettaError, LettaError],
  [errors0.BadRequestError, BadRequestError],
  [errors0.AuthenticationError, AuthenticationError],
  [errors0.NotFoundError, NotFoundError],
  [errors0.ConflictError, ConflictError],
  [errors0.UnprocessableEntityError, UnprocessableEntityError],
]);
