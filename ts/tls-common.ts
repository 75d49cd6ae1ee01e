// Not OpenSSL API: what the Node adapters (tls.ts, tls-client.ts) and the stores share: the
// error type they report instead of failing a handshake, the wider get-callback type, and how a
// report reaches the application.
import type { EventEmitter } from 'node:events';
import { binding } from './binding';
import { SSL_CTX_sess_set_get_cb } from './ctx';
import { ERR_error_string, ERR_get_error } from './err';
import type { GetSessionCallback, Out, SSL, SSL_CTX, SSL_SESSION } from './types';

/** Where a {@link SessionCacheError} came from. */
export type SessionCacheErrorSource =
  | 'get' // the get callback threw, rejected, timed out or returned something that is not a session
  | 'new' // the new callback threw or did not return a number
  | 'remove' // the remove callback threw
  | 'der' // a session Node handed over or a store returned did not decode
  | 'sessionIdContext' // a session from Node carries another id context than the cache: it can never resume
  | 'store' // a store's value carried another session id than the one looked up
  | 'internal'; // anything else thrown while the adapter ran a cache step

/** SessionCacheError is an error the adapters caught and reported instead of failing a handshake. */
export class SessionCacheError extends Error {
  readonly source: SessionCacheErrorSource;
  override readonly cause: unknown;
  constructor(source: SessionCacheErrorSource, message: string, cause?: unknown) {
    super(message);
    this.name = 'SessionCacheError';
    this.source = source;
    this.cause = cause;
  }
}

/**
 * AsyncGetSessionCallback is a get callback as the Node server adapter accepts it: C's shape, but
 * it may also return a session's DER bytes (decoded by the adapter) or a Promise of either. A
 * Promise makes the handshake wait (see SessionCacheOptions.getTimeout).
 */
export type AsyncGetSessionCallback = (
  ssl: SSL,
  id: Uint8Array,
  len: number,
  copy: Out<number>,
) => SSL_SESSION | Uint8Array | null | undefined | PromiseLike<SSL_SESSION | Uint8Array | null | undefined>;

/**
 * setAsyncGetSessionCallback installs `cb` as the context's get callback (SSL_CTX_sess_set_get_cb
 * with the wider type). Only the Node server adapter may drive such a context: a synchronous step
 * (simulateServerHandshake, ssl_get_prev_session) that meets a Promise or bytes counts the answer
 * as NULL and throws a TypeError after the step.
 */
export function setAsyncGetSessionCallback(ctx: SSL_CTX, cb: AsyncGetSessionCallback | null): void {
  SSL_CTX_sess_set_get_cb(ctx, cb as unknown as GetSessionCallback | null);
}

/** isThenable tells a Promise (or any thenable) from a plain value. */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

/** toError wraps what was thrown as a SessionCacheError of `source`. */
export function toError(source: SessionCacheErrorSource, what: string, cause: unknown): SessionCacheError {
  if (cause instanceof SessionCacheError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SessionCacheError(source, `${what}: ${detail}`, cause);
}

const callbackErrorSource: () => string | null = binding.callbackErrorSource;

/**
 * stepError wraps what a native step threw (a callback's exception, rethrown after the step
 * completed) as a SessionCacheError whose source is the callback that threw it.
 */
export function stepError(what: string, cause: unknown): SessionCacheError {
  const who = callbackErrorSource();
  const source: SessionCacheErrorSource = who === 'new' || who === 'remove' || who === 'get' ? who : 'internal';
  return toError(source, who === null ? what : `${what}: the ${who} callback threw`, cause);
}

/** drainErrorQueue returns the error queue's first entry as text, for reports, and clears the queue. */
export function drainErrorQueue(): string {
  const e = ERR_get_error();
  const text = e === 0 ? 'no reason queued' : ERR_error_string(e);
  while (ERR_get_error() !== 0) {
    /* drop the rest */
  }
  return text;
}

/**
 * Reporter delivers a SessionCacheError: to `onError` if given, as an 'error' event when the
 * emitter has listeners (never an unhandled 'error'), else as a process warning.
 */
export class Reporter {
  count = 0;
  constructor(
    private readonly emitter: EventEmitter,
    private readonly onError: ((e: SessionCacheError) => void) | undefined,
  ) {}
  report(e: SessionCacheError): void {
    this.count++;
    if (this.onError) {
      try {
        this.onError(e);
      } catch {
        /* a reporter that throws is not reported again */
      }
    }
    if (this.emitter.listenerCount('error') > 0) this.emitter.emit('error', e);
    else if (!this.onError) process.emitWarning(e.message, { type: 'SessionCacheWarning', code: `OSC_${e.source.toUpperCase()}` });
  }
  /** guard runs a native step; what a callback threw during it (the step completed) is reported. */
  guard<T>(what: string, step: () => T): T | undefined {
    try {
      return step();
    } catch (e) {
      this.report(stepError(what, e));
      return undefined;
    }
  }
}

/** checkTimeoutMs validates a timeout option: whole milliseconds from 1 to 2^31 - 1 (setTimeout's range). */
export function checkTimeoutMs(what: string, v: unknown, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number') throw new TypeError(`${what} must be a number of milliseconds`);
  if (!Number.isInteger(v) || v < 1 || v > 2 ** 31 - 1)
    throw new RangeError(`${what} must be a whole number of milliseconds from 1 to 2147483647, got ${v}`);
  return v;
}

/**
 * settleWithin waits for `p` at most `ms`; a timeout or a rejection calls `onFail` and resolves to
 * undefined. Every value `p` delivers that is not the answer (after the timeout, or a second
 * fulfilment from a thenable that is not a real Promise) goes to `onUnused`, so what it owns can be
 * released.
 */
export function settleWithin<T>(
  p: PromiseLike<T>,
  ms: number,
  onFail: (why: 'timeout' | 'rejected', e?: unknown) => void,
  onUnused: (v: T) => void,
): Promise<T | undefined> {
  return new Promise<T | undefined>((resolve) => {
    let settled = false;
    const settle = (v: T | undefined) => {
      settled = true;
      clearTimeout(timer);
      resolve(v);
    };
    const timer = setTimeout(() => {
      if (settled) return;
      onFail('timeout');
      settle(undefined);
    }, ms);
    const fulfilled = (v: T) => {
      if (settled) onUnused(v);
      else settle(v);
    };
    const rejected = (e: unknown) => {
      if (settled) return;
      onFail('rejected', e);
      settle(undefined);
    };
    try {
      // p.then itself, not Promise.resolve(p): a hostile thenable may call back more than once.
      p.then(fulfilled, rejected);
    } catch (e) {
      rejected(e);
    }
  });
}
