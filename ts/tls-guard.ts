// Not OpenSSL API: what the Node adapters (tls.ts, tls-client.ts) share. The
// guard runs one synchronous cache step with the context's callbacks wrapped,
// so that a callback that throws, returns a Promise or returns the wrong type
// becomes a report instead of an exception out of a Node event handler; the
// step's results (counters, order of calls) stay OpenSSL's.
import {
  SSL_CTX_sess_get_get_cb, SSL_CTX_sess_get_new_cb, SSL_CTX_sess_get_remove_cb, SSL_CTX_sess_set_get_cb,
  SSL_CTX_sess_set_new_cb, SSL_CTX_sess_set_remove_cb,
} from './ctx';
import { sessionFromDer } from './der';
import { ERR_error_string, ERR_get_error } from './err';
import type {
  GetSessionCallback, NewSessionCallback, Out, RemoveSessionCallback, SSL, SSL_CTX, SSL_SESSION,
} from './types';

/** Where a {@link SessionCacheError} came from. */
export type SessionCacheErrorSource =
  | 'get' // the get callback threw, rejected, timed out or returned something that is not a session
  | 'new' // the new callback threw, rejected or did not return a number
  | 'remove' // the remove callback threw or rejected
  | 'der' // a session Node handed over did not decode, or a resumed session did not encode
  | 'sessionIdContext' // a session from Node carries another id context than the cache: it can never resume
  | 'internal'; // anything else thrown while the adapter ran a cache step

/** An error the adapters caught and reported instead of failing a handshake. */
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
 * A get callback as the adapters accept it: C's shape, but it may also return a session's DER
 * bytes (decoded here and handed over as if `copy` were 0) or a Promise of either. A Promise makes
 * the handshake wait (see {@link SessionCacheOptions.getTimeout}).
 */
export type AsyncGetSessionCallback = (
  ssl: SSL, id: Uint8Array, len: number, copy: Out<number>,
) => SSL_SESSION | Uint8Array | null | undefined | PromiseLike<SSL_SESSION | Uint8Array | null | undefined>;

/**
 * setAsyncGetSessionCallback installs `cb` as the context's get callback (SSL_CTX_sess_set_get_cb
 * with the wider type). Only the Node adapters may drive such a context: a synchronous step
 * (simulateServerHandshake, ssl_get_prev_session) that meets a Promise counts it as NULL.
 */
export function setAsyncGetSessionCallback(ctx: SSL_CTX, cb: AsyncGetSessionCallback | null): void {
  SSL_CTX_sess_set_get_cb(ctx, cb as unknown as GetSessionCallback | null);
}

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}

export function toError(source: SessionCacheErrorSource, what: string, cause: unknown): SessionCacheError {
  if (cause instanceof SessionCacheError) return cause;
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new SessionCacheError(source, `${what}: ${detail}`, cause);
}

/** The error queue's first entry as text, for reports (the queue is cleared). */
export function drainErrorQueue(): string {
  const e = ERR_get_error();
  let text = e === 0 ? 'no reason queued' : ERR_error_string(e);
  while (ERR_get_error() !== 0) { /* drop the rest */ }
  return text;
}

/**
 * What a get callback returned, as a session: DER bytes are decoded (the new session's one
 * reference is handed over: copy becomes 0); null/undefined is null.
 */
export function toSession(r: unknown, copy: Out<number>, report: (e: SessionCacheError) => void): SSL_SESSION | null {
  if (r === null || r === undefined) return null;
  if (r instanceof Uint8Array) {
    const s = sessionFromDer(r);
    if (s === null) {
      report(new SessionCacheError('der', `get callback: the DER it returned does not decode (${drainErrorQueue()})`));
      return null;
    }
    copy.value = 0;
    return s;
  }
  return r as SSL_SESSION;
}

/**
 * Runs cache steps with the context's new and remove callbacks (and, per step, a get callback
 * of the adapter's) swapped for guarded ones, putting the application's back afterwards (unless a
 * callback installed another meanwhile). Promises returned by new/remove callbacks are collected
 * in `pending` (a new-session step waits for them before Node's done()).
 */
export class CallbackGuard {
  pending: Promise<unknown>[] = [];
  private userNew: NewSessionCallback | null = null;
  private userRemove: RemoveSessionCallback | null = null;

  constructor(private readonly ctx: SSL_CTX, private readonly report: (e: SessionCacheError) => void) {}

  private readonly guardedNew: NewSessionCallback = (ssl, sess) => {
    const cb = this.userNew as unknown as ((ssl: SSL, s: SSL_SESSION) => unknown) | null;
    if (cb === null) return 0;
    let r: unknown;
    try {
      r = cb(ssl, sess);
    } catch (e) {
      this.report(toError('new', 'new session callback threw', e));
      return 0; // a throwing new callback counts as returning 0
    }
    if (isThenable(r)) {
      // Asynchronous: it keeps no reference (0); Node's done() waits for it.
      this.pending.push(Promise.resolve(r).then(undefined, (e) => this.report(toError('new', 'new session callback rejected', e))));
      return 0;
    }
    if (typeof r !== 'number') {
      this.report(new SessionCacheError('new', `new session callback: expected a number (0 or 1), got ${typeof r}`));
      return 0;
    }
    return r;
  };

  private readonly guardedRemove: RemoveSessionCallback = (ctx, sess) => {
    const cb = this.userRemove as unknown as ((ctx: SSL_CTX, s: SSL_SESSION) => unknown) | null;
    if (cb === null) return;
    try {
      const r = cb(ctx, sess);
      if (isThenable(r)) Promise.resolve(r).then(undefined, (e) => this.report(toError('remove', 'remove session callback rejected', e)));
    } catch (e) {
      this.report(toError('remove', 'remove session callback threw', e));
    }
  };

  /**
   * run calls `step` with the guarded callbacks installed; `get` (if given) stands in for the
   * context's get callback during the step. Exceptions the step rethrows (a callback's, once the
   * step has completed) are reported, and `onThrow` gives the result then.
   */
  run<T>(step: () => T, get: GetSessionCallback | null, onThrow: () => T): T {
    const ctx = this.ctx;
    const userNew = SSL_CTX_sess_get_new_cb(ctx);
    const userRemove = SSL_CTX_sess_get_remove_cb(ctx);
    const userGet = get ? SSL_CTX_sess_get_get_cb(ctx) : null;
    const outerNew = this.userNew;
    const outerRemove = this.userRemove;
    this.userNew = userNew;
    this.userRemove = userRemove;
    if (userNew && userNew !== this.guardedNew) SSL_CTX_sess_set_new_cb(ctx, this.guardedNew);
    if (userRemove && userRemove !== this.guardedRemove) SSL_CTX_sess_set_remove_cb(ctx, this.guardedRemove);
    if (get) SSL_CTX_sess_set_get_cb(ctx, get);
    try {
      return step();
    } catch (e) {
      this.report(toError('internal', 'cache step failed', e));
      return onThrow();
    } finally {
      if (userNew && userNew !== this.guardedNew && SSL_CTX_sess_get_new_cb(ctx) === this.guardedNew) SSL_CTX_sess_set_new_cb(ctx, userNew);
      if (userRemove && userRemove !== this.guardedRemove && SSL_CTX_sess_get_remove_cb(ctx) === this.guardedRemove) SSL_CTX_sess_set_remove_cb(ctx, userRemove);
      if (get && SSL_CTX_sess_get_get_cb(ctx) === get) SSL_CTX_sess_set_get_cb(ctx, userGet);
      this.userNew = outerNew;
      this.userRemove = outerRemove;
    }
  }

  /** Takes the Promises collected so far. */
  takePending(): Promise<unknown>[] {
    const p = this.pending;
    this.pending = [];
    return p;
  }
}

/** Lowercase hex of the first `len` bytes. */
export function hex(b: Uint8Array, len = b.length): string {
  return Buffer.from(b.buffer, b.byteOffset, len).toString('hex');
}

/** A session's DER as a Buffer sharing the bytes. */
export function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}
