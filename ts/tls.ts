// Not OpenSSL API: an SSL_CTX of this package as the session cache behind a Node TLS server
// (tls.Server, https.Server, an http2 secure server).
//
// Node's servers keep no session cache of their own: session-id resumption works only through the
// server's 'newSession' and 'resumeSession' events, which hand sessions over as OpenSSL's DER.
// Each event is one native step running OpenSSL's own logic on the context (src/adapter.h); this
// file only wires the events, waits for asynchronous get callbacks, and reports.
//
// How each statistic follows a Node server (see docs/serving-tls.md for the full table):
//   accept        'connection' (tls_setup_handshake)
//   hits, misses, cb_hits, timeouts
//                 'resumeSession' looks the id up as ssl_get_prev_session does and keeps the counts
//                 until 'secureConnection' tells the version: a TLS 1.3 handshake never looks its
//                 legacy session id up in OpenSSL, so its lookup is not counted; a resumption by
//                 ticket (TLS 1.2 or 1.3) counts a hit there
//   number, cache_full, auto-clear
//                 'newSession' (ssl_update_cache)
//   accept_good   'secureConnection' (tls_finish_handshake)
import { executionAsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import type * as tls from 'node:tls';
import { binding } from './binding';
import { TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION, TLS1_VERSION } from './constants';
import {
  SSL_CTX_free,
  SSL_CTX_get_timeout,
  SSL_CTX_sess_accept,
  SSL_CTX_sess_accept_good,
  SSL_CTX_sess_accept_renegotiate,
  SSL_CTX_sess_cache_full,
  SSL_CTX_sess_cb_hits,
  SSL_CTX_sess_connect,
  SSL_CTX_sess_connect_good,
  SSL_CTX_sess_connect_renegotiate,
  SSL_CTX_sess_get_get_cb,
  SSL_CTX_sess_hits,
  SSL_CTX_sess_misses,
  SSL_CTX_sess_number,
  SSL_CTX_sess_timeouts,
  SSL_CTX_up_ref,
} from './ctx';
import { SSL_SESSION_free } from './session';
import { createSharedSessionStore, SharedSessionSegment, type SharedSessionStore, sharedSessionSegment } from './shm-store';
import { SSL_CTX_set_session_id_context, SSL_new, SSL_set_accept_state } from './ssl';
import {
  type AsyncGetSessionCallback,
  checkTimeoutMs,
  drainErrorQueue,
  isThenable,
  Reporter,
  SessionCacheError,
  settleWithin,
  stepError,
  toError,
} from './tls-common';
import {
  assertTlsServer,
  rebuildSecureContext,
  type ServerCacheSettings,
  serverSessionIdContext,
  sidCtxBytes,
  sidCtxString,
} from './tls-server-options';
import type { SSL, SSL_CTX, SSL_SESSION } from './types';

export * from './shm-store';
export * from './tls-client';
export {
  type AsyncGetSessionCallback,
  SessionCacheError,
  type SessionCacheErrorSource,
  setAsyncGetSessionCallback,
} from './tls-common';

// The step connection's reference becomes the core's (a callback given it cannot free it), and
// is dropped at detach.
const adapterOwn: (ssl: SSL) => void = binding.adapterOwn;
const adapterRelease: (ssl: SSL) => void = binding.adapterRelease;
const adapterAccept: (ssl: SSL) => void = binding.adapterAccept;
// A lookup's answer: a number packing the outcome, OpenSSL's counts, the store check and the
// length of the DER written into the slab, or [DER, number] when the DER did not fit.
type LookupAnswer = number | [Uint8Array, number];
const adapterLookup: (ssl: SSL, id: Uint8Array, slab: Buffer, offset: number) => LookupAnswer = binding.adapterLookup;
const adapterLookupAnswer: (
  ssl: SSL,
  id: Uint8Array,
  answer: SSL_SESSION | Uint8Array | null,
  copy: number,
  counts: number,
  slab: Buffer,
  offset: number,
) => LookupAnswer = binding.adapterLookupAnswer;
const SLAB_BYTES = 64 * 1024;
const adapterNewSession: (ssl: SSL, der: Uint8Array, skipTls13: boolean) => number = binding.adapterNewSession;
const adapterFinish: (ssl: SSL, version: number, resumed: boolean, counts?: number) => void = binding.adapterFinish;
const contextIdContext: (ctx: SSL_CTX) => Uint8Array = binding.contextIdContext;

// A lookup answer's bits (native/adapter_api.cc).
const outcomeOf = (a: number): number => a & 3;
const countsOf = (a: number): number => (a >>> 2) & 0xff; // hits, misses, cb_hits, timeouts: 2 bits each
const checkOf = (a: number): number => (a >>> 10) & 3;
const derLengthOf = (a: number): number => (a >>> 12) & 0xffff;
const LOOKUP_ASK_STORE = 2;
const LOOKUP_FATAL = 3;
const NEW_SESSION_WRONG_CONTEXT = 2;
const NEW_SESSION_UNDECODABLE = -1;
const NEW_SESSION_SKIPPED = -2;
const NEW_SESSION_NOT_RUN = -3; // detached, or the native step threw

const PROTOCOL_VERSIONS: Record<string, number> = {
  TLSv1: TLS1_VERSION,
  'TLSv1.1': TLS1_1_VERSION,
  'TLSv1.2': TLS1_2_VERSION,
  'TLSv1.3': TLS1_3_VERSION,
};

/** The options of attachSessionCache(): how the adapter sets up Node's server and the cache. */
export interface SessionCacheOptions {
  /**
   * The session id context, set for both Node's server (its `sessionIdContext`) and the cache
   * (SSL_CTX_set_session_id_context), up to 32 bytes. Without it the adapter takes the one
   * already set on the context (by a store, for instance), else the server's own, which by default
   * is a hash of `process.argv`: sessions then never resume in another process or machine.
   */
  sessionIdContext?: string | Uint8Array;
  /**
   * TLS 1.3 sessions Node hands to 'newSession' (one per ticket): 'openssl' (the default) runs
   * OpenSSL's ssl_update_cache on them, as OpenSSL does (the new callback sees them; the internal
   * cache keeps them only when the context has a remove callback); 'skip' leaves them alone.
   * They are never looked up by id: TLS 1.3 resumes by ticket, inside Node's OpenSSL.
   */
  tls13?: 'openssl' | 'skip';
  /** Milliseconds a Promise from the get callback may take before the lookup counts as a miss (default 2000). */
  getTimeout?: number;
  /** Called with each error the adapter caught (callbacks that threw or rejected, undecodable DER, ...). */
  onError?: (err: SessionCacheError) => void;
  /**
   * A session store in shared memory behind the context, for the workers of one machine (nginx's
   * `shared:SSL:10m`): true for the cluster's segment (sharedSessionSegment(): made by the primary,
   * attached by each worker), or a segment or its name. The adapter installs the store's callbacks
   * on the context (createSharedSessionStore) with its id context, and removes them at detach().
   */
  sharedMemory?: boolean | string | SharedSessionSegment;
}

/** SessionCacheStats holds SSL_CTX_sess_* of the context and the adapter's own counts. */
export interface SessionCacheStats {
  number: number;
  connect: number;
  connect_good: number;
  connect_renegotiate: number;
  accept: number;
  accept_good: number;
  accept_renegotiate: number;
  hits: number;
  cb_hits: number;
  misses: number;
  timeouts: number;
  cache_full: number;
  /** Handshakes Node resumed from a ticket (counted in hits, as OpenSSL does). */
  ticketResumptions: number;
  /** TLS 1.3 sessions from 'newSession' left alone (tls13: 'skip'). */
  tls13Skipped: number;
  /** Errors reported (onError / 'error'). */
  errors: number;
}

/** What a 'lookup' event reports: one 'resumeSession' answered. */
export interface SessionLookupInfo {
  id: Buffer;
  /** A session was handed to Node to resume. */
  resumed: boolean;
}

/** What a 'store' event reports: one 'newSession' handled. */
export interface SessionStoreInfo {
  id: Buffer;
  /** false when skipped (TLS 1.3 with tls13: 'skip') or not decodable. */
  handled: boolean;
}

/** sessionCacheStats returns SSL_CTX_sess_* of `ctx` as one object (what print_stats prints). */
export function sessionCacheStats(ctx: SSL_CTX): Omit<SessionCacheStats, 'ticketResumptions' | 'tls13Skipped' | 'errors'> {
  return {
    number: SSL_CTX_sess_number(ctx),
    connect: SSL_CTX_sess_connect(ctx),
    connect_good: SSL_CTX_sess_connect_good(ctx),
    connect_renegotiate: SSL_CTX_sess_connect_renegotiate(ctx),
    accept: SSL_CTX_sess_accept(ctx),
    accept_good: SSL_CTX_sess_accept_good(ctx),
    accept_renegotiate: SSL_CTX_sess_accept_renegotiate(ctx),
    hits: SSL_CTX_sess_hits(ctx),
    cb_hits: SSL_CTX_sess_cb_hits(ctx),
    misses: SSL_CTX_sess_misses(ctx),
    timeouts: SSL_CTX_sess_timeouts(ctx),
    cache_full: SSL_CTX_sess_cache_full(ctx),
  };
}

// One adapter per server; one id context per context among the adapters attached to it.
const attachedServers = new WeakSet<tls.Server>();
const attachedContexts = new WeakMap<SSL_CTX, { sessionIdContext: string; adapters: number }>();
// The id context an adapter last set on a context: left there after a detach, it is no store's.
const setByAdapter = new WeakMap<SSL_CTX, string>();

/**
 * SessionCacheAdapter is the handle attachSessionCache returns. Events: 'error'
 * (SessionCacheError; emitted only when listened to, so a report never throws), 'lookup'
 * (SessionLookupInfo), 'store' (SessionStoreInfo).
 */
export class SessionCacheAdapter extends EventEmitter {
  readonly ctx: SSL_CTX;
  readonly server: tls.Server;
  private readonly tls13: 'openssl' | 'skip';
  private readonly getTimeout: number;
  private readonly reporter: Reporter;
  // The adapter's connection: the native steps run on it, standing for each Node connection in
  // turn (callbacks are given it); the handshake's own connection is Node's.
  private readonly conn: SSL;
  // Where lookups write the DER Node resumes: a slab handed out in views, as Buffer.allocUnsafe
  // hands out its pool (a view keeps its slab alive; Node copies the bytes at once). No fresh
  // ArrayBuffer per event.
  private slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private slabUsed = 0;
  // Each handshake's lookup counts (packed) until its version is known, keyed by the
  // connection's async resource (its TLSWrap): Node emits 'resumeSession', 'newSession' and
  // 'secureConnection' of one connection in that connection's async context. Weak: nothing
  // outlives the socket.
  private readonly pending = new WeakMap<object, number>();
  private settings: ServerCacheSettings;
  private wrongContextReported = false;
  private detached = false;
  private readonly counts = { ticketResumptions: 0, tls13Skipped: 0 };
  /** The shared-memory store the adapter installed (options.sharedMemory), or null. */
  readonly sharedStore: SharedSessionStore | null = null;
  private readonly listeners_: [string, (...a: never[]) => void][];

  constructor(server: tls.Server, ctx: SSL_CTX, options: SessionCacheOptions = {}) {
    super();
    const fn = 'attachSessionCache';
    assertTlsServer(server, fn);
    if (options.tls13 !== undefined && options.tls13 !== 'openssl' && options.tls13 !== 'skip') {
      throw new TypeError(`${fn}: tls13 must be 'openssl' or 'skip'`);
    }
    if (attachedServers.has(server)) throw new Error(`${fn}: this server already has a session cache attached (detach it first)`);
    for (const ev of ['newSession', 'resumeSession']) {
      if (server.listenerCount(ev) > 0) throw new Error(`${fn}: the server already has '${ev}' listeners: one server, one cache`);
    }
    this.server = server;
    this.ctx = ctx;
    this.tls13 = options.tls13 ?? 'openssl';
    this.getTimeout = checkTimeoutMs(`${fn}: getTimeout`, options.getTimeout, 2000);
    this.reporter = new Reporter(this, options.onError);
    const sessionIdContext = this.resolveIdContext(options.sessionIdContext);
    this.settings = { sessionIdContext, sessionTimeout: this.contextTimeout() };
    // Taken from the context (a store set it): it stays the store's, not this adapter's.
    const adopted = Buffer.from(contextIdContext(ctx)).toString('utf8') === sessionIdContext && !setByAdapter.has(ctx);
    // What can throw comes first (attaching a segment; SSL_new runs ex_data new callbacks; Node
    // may refuse the secure context), so a failed attach leaves nothing behind.
    const shared = options.sharedMemory;
    if (shared !== undefined && typeof shared !== 'boolean' && typeof shared !== 'string' && !(shared instanceof SharedSessionSegment)) {
      throw new TypeError(`${fn}: sharedMemory must be true, a segment or its name`);
    }
    if (shared !== undefined && shared !== false) {
      this.sharedStore = createSharedSessionStore(ctx, {
        segment: shared === true ? sharedSessionSegment() : shared,
        idContext: sessionIdContext,
      });
    }
    try {
      this.conn = SSL_new(ctx);
      adapterOwn(this.conn);
    } catch (e) {
      this.sharedStore?.detach();
      throw e;
    }
    try {
      SSL_set_accept_state(this.conn);
      this.configureServer();
    } catch (e) {
      adapterRelease(this.conn);
      this.sharedStore?.detach();
      throw e;
    }
    SSL_CTX_up_ref(ctx); // the adapter's reference, dropped by detach()
    SSL_CTX_set_session_id_context(ctx, sidCtxBytes(sessionIdContext));
    const attached = attachedContexts.get(ctx);
    attachedContexts.set(ctx, { sessionIdContext, adapters: (attached?.adapters ?? 0) + 1 });
    if (!adopted) setByAdapter.set(ctx, sessionIdContext);
    attachedServers.add(server);
    this.listeners_ = [
      ['connection', this.onConnection],
      ['resumeSession', this.onResumeSession],
      ['newSession', this.onNewSession],
      ['secureConnection', this.onSecureConnection],
    ];
    for (const [ev, f] of this.listeners_) server.on(ev, f as (...a: unknown[]) => void);
  }

  // The id context: the one given, else the one on the context (set by a store, or by the
  // adapter of another server the context serves), else the server's. Two that differ are an
  // error: sessions could never resume on one of them.
  private resolveIdContext(given: string | Uint8Array | undefined): string {
    const fn = 'attachSessionCache';
    const wanted = given === undefined ? undefined : sidCtxString(given);
    if (wanted !== undefined) sidCtxBytes(wanted);
    const onCtx = Buffer.from(contextIdContext(this.ctx)).toString('utf8');
    const attached = attachedContexts.get(this.ctx);
    const fromStore = onCtx !== '' && onCtx !== setByAdapter.get(this.ctx) ? onCtx : undefined;
    const current = attached?.sessionIdContext ?? fromStore;
    if (current !== undefined && wanted !== undefined && current !== wanted) {
      const who = attached ? 'the server it is attached to' : 'SSL_CTX_set_session_id_context (a store?)';
      throw new Error(
        `${fn}: the context's session id context is "${current}" (set by ${who}), not "${wanted}": sessions could never resume on one of them`,
      );
    }
    return wanted ?? current ?? serverSessionIdContext(this.server);
  }

  private contextTimeout(): number {
    const t = Number(SSL_CTX_get_timeout(this.ctx));
    return t > 0 ? t : 7200; // 0 means the method's default
  }

  // Node's server takes the cache's id context and timeout (its tickets' lifetime).
  private configureServer(options?: tls.SecureContextOptions): void {
    this.settings.sessionTimeout = this.contextTimeout();
    const s = this.server as tls.Server & { sessionIdContext?: string; sessionTimeout?: number };
    if (options === undefined && s.sessionIdContext === this.settings.sessionIdContext && s.sessionTimeout === this.settings.sessionTimeout)
      return;
    rebuildSecureContext(this.server, this.settings, options);
  }

  /** The id context both Node and the cache use. */
  get sessionIdContext(): string {
    return this.settings.sessionIdContext;
  }

  /**
   * setSecureContext is server.setSecureContext for a server with a cache: it rotates the
   * certificate (or any option) and keeps the cache's id context, timeout and ticket keys, so
   * sessions issued before still resume. Calling server.setSecureContext directly resets Node's id
   * context to its default, and no session resumes after (reported once as 'sessionIdContext').
   * Also call it after SSL_CTX_set_timeout, so Node's tickets follow the new lifetime.
   */
  setSecureContext(options: tls.SecureContextOptions): void {
    if (options === null || typeof options !== 'object') throw new TypeError('setSecureContext: expected an options object');
    this.configureServer(options);
    this.wrongContextReported = false;
  }

  /** stats returns the context's statistics and the adapter's own counts. */
  stats(): SessionCacheStats {
    return { ...sessionCacheStats(this.ctx), ...this.counts, errors: this.reporter.count };
  }

  /**
   * detach removes the adapter's listeners from the server, frees its connection object and drops
   * its reference on the context. Lookups still waiting on a get callback answer a miss.
   */
  detach(): void {
    if (this.detached) return;
    this.detached = true;
    for (const [ev, f] of this.listeners_) this.server.removeListener(ev, f as (...a: unknown[]) => void);
    attachedServers.delete(this.server);
    this.sharedStore?.detach(); // first: the context's last free must not empty the shared store
    const attached = attachedContexts.get(this.ctx);
    if (attached && --attached.adapters === 0) attachedContexts.delete(this.ctx);
    this.reporter.guard('releasing the step connection', () => adapterRelease(this.conn));
    this.reporter.guard('SSL_CTX_free', () => SSL_CTX_free(this.ctx));
  }

  private report(e: SessionCacheError): void {
    this.reporter.report(e);
  }

  private readonly onConnection = (): void => {
    if (!this.detached) this.reporter.guard('connection', () => adapterAccept(this.conn));
  };

  private readonly onResumeSession = (id: Buffer, cb: (err: Error | null, session?: Buffer | null) => void): void => {
    const conn = executionAsyncResource();
    if (this.detached) {
      this.answer(conn, id, cb, null, null, undefined);
      return;
    }
    let a: LookupAnswer = 0;
    let der: Buffer | null = null;
    try {
      [a, der] = this.lookupStep((slab, at) => adapterLookup(this.conn, id, slab, at));
    } catch (e) {
      this.report(stepError('resumeSession', e));
    }
    const n = typeof a === 'number' ? a : a[1];
    if (outcomeOf(n) === LOOKUP_ASK_STORE) {
      this.askStore(id, countsOf(n)).then(
        ([der, counts]) => {
          this.answer(conn, id, cb, der, null, counts);
        },
        (e) => {
          this.report(toError('internal', 'resumeSession', e));
          this.answer(conn, id, cb, null, null, undefined);
        },
      );
      return;
    }
    let err: SessionCacheError | null = null;
    if (outcomeOf(n) === LOOKUP_FATAL) {
      err = new SessionCacheError('internal', `resumeSession: ${drainErrorQueue()}`);
      this.report(err);
    }
    this.answer(conn, id, cb, der, err, countsOf(n));
  };

  // Hands Node the lookup's answer; the connection keeps its counts until 'secureConnection'.
  private answer(
    conn: object,
    id: Buffer,
    cb: (err: Error | null, session?: Buffer | null) => void,
    der: Buffer | null,
    err: Error | null,
    counts: number | undefined,
  ): void {
    if (counts !== undefined && !this.detached) this.pending.set(conn, counts);
    if (this.listenerCount('lookup') > 0) this.emit('lookup', { id, resumed: der !== null } satisfies SessionLookupInfo);
    try {
      cb(err, der);
    } catch (e) {
      this.report(toError('internal', 'resumeSession callback', e));
    }
  }

  // Runs a lookup step that writes the DER it answers into the slab (a fresh slab first when
  // little room is left) and returns its answer with that DER: a view of the slab where this step
  // wrote it, or its own array when it did not fit. The rest of the slab is this step's until it
  // answers: a callback that re-enters the adapter during the step looks up into a fresh slab.
  private lookupStep(step: (slab: Buffer, offset: number) => LookupAnswer): [LookupAnswer, Buffer | null] {
    if (SLAB_BYTES - this.slabUsed < 2048) {
      this.slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.slabUsed = 0;
    }
    const slab = this.slab;
    const at = this.slabUsed;
    this.slabUsed = SLAB_BYTES;
    let a: LookupAnswer;
    try {
      a = step(slab, at);
    } finally {
      if (this.slab === slab) this.slabUsed = at;
    }
    if (typeof a !== 'number') return [a, Buffer.from(a[0].buffer, a[0].byteOffset, a[0].byteLength)];
    const n = derLengthOf(a);
    if (n === 0) return [a, null];
    if (this.slab === slab) this.slabUsed = at + n;
    return [a, slab.subarray(at, at + n)];
  }

  // The get callback's answer (waited for when it is a Promise), through OpenSSL's rules.
  private async askStore(id: Buffer, counted: number): Promise<[Buffer | null, number]> {
    const get = SSL_CTX_sess_get_get_cb(this.ctx) as unknown as AsyncGetSessionCallback | null;
    if (get === null) return [null, counted];
    const copy = { value: 1 };
    let r: unknown;
    try {
      r = get(this.conn, id, id.length, copy);
    } catch (e) {
      this.report(toError('get', 'get session callback threw', e));
      r = null; // a throwing get callback counts as NULL
    }
    if (isThenable(r)) {
      const p = r;
      r = await settleWithin(
        p,
        this.getTimeout,
        (why, e) =>
          this.report(
            why === 'timeout'
              ? new SessionCacheError('get', `get session callback: its Promise did not settle within ${this.getTimeout} ms`)
              : toError('get', 'get session callback rejected', e),
          ),
        // A session that comes after the timeout (or a second one), handed over with copy 0, is freed when it comes.
        (late) => {
          if (copy.value === 0 && isSession(late)) this.freeQuietly(late);
        },
      );
    }
    if (this.detached) {
      if (copy.value === 0 && isSession(r)) this.freeQuietly(r);
      return [null, counted];
    }
    if (r !== null && r !== undefined && !(r instanceof Uint8Array) && !isSession(r)) {
      this.report(new SessionCacheError('get', 'get session callback: expected a session, its DER bytes, null or a Promise of one'));
      r = null;
    }
    const answer = (r ?? null) as SSL_SESSION | Uint8Array | null;
    const [a, der] = this.reporter.guard('get session answer', () =>
      this.lookupStep((slab, at) => adapterLookupAnswer(this.conn, id, answer, copy.value, counted, slab, at)),
    ) ?? [counted << 2, null];
    const n = typeof a === 'number' ? a : a[1];
    if (checkOf(n) === 1)
      this.report(
        new SessionCacheError('store', `the store's session for ${id.toString('hex')} carries another session id: refused (a miss)`),
      );
    if (checkOf(n) === 2)
      this.report(new SessionCacheError('der', `the get callback's DER does not decode (${drainErrorQueue()}): a miss`));
    return [der, countsOf(n)];
  }

  private freeQuietly(s: SSL_SESSION): void {
    this.reporter.guard('freeing a session the get callback handed over', () => SSL_SESSION_free(s));
  }

  private readonly onNewSession = (id: Buffer, der: Buffer, done: () => void): void => {
    let r = NEW_SESSION_NOT_RUN;
    if (!this.detached) {
      try {
        r = adapterNewSession(this.conn, der, this.tls13 === 'skip');
      } catch (e) {
        this.report(stepError('newSession', e));
      }
    }
    try {
      done();
    } catch (e) {
      this.report(toError('internal', 'newSession done()', e));
    }
    if (r >= 0) {
      if (r & NEW_SESSION_WRONG_CONTEXT && !this.wrongContextReported) {
        this.wrongContextReported = true;
        this.report(
          new SessionCacheError(
            'sessionIdContext',
            `a session from Node has another id context than the cache ("${this.settings.sessionIdContext}"): it will never resume. ` +
              'Rotate certificates with adapter.setSecureContext(), not server.setSecureContext.',
          ),
        );
      }
    } else if (r === NEW_SESSION_UNDECODABLE) {
      this.report(new SessionCacheError('der', `newSession: Node's session does not decode (${drainErrorQueue()})`));
    } else if (r === NEW_SESSION_SKIPPED) {
      this.counts.tls13Skipped++;
    }
    if (this.listenerCount('store') > 0) this.emit('store', { id, handled: r >= 0 } satisfies SessionStoreInfo);
  };

  private readonly onSecureConnection = (socket: tls.TLSSocket): void => {
    if (this.detached) return;
    const conn = executionAsyncResource();
    const counts = this.pending.get(conn);
    this.pending.delete(conn);
    const version = PROTOCOL_VERSIONS[socket.getProtocol() ?? ''] ?? 0;
    const resumed = socket.isSessionReused();
    const byLookup = counts !== undefined && version !== TLS1_3_VERSION && (counts & 3) > 0;
    if (resumed && !byLookup) this.counts.ticketResumptions++;
    this.reporter.guard('secureConnection', () => adapterFinish(this.conn, version, resumed, counts));
  };
}

function isSession(v: unknown): v is SSL_SESSION {
  return typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && !isThenable(v) && Object.getPrototypeOf(v) === null;
}

/**
 * attachSessionCache makes `ctx` the session cache of a Node TLS server (tls.Server, https.Server,
 * an http2 secure server), one cache per server: it listens to 'connection', 'resumeSession',
 * 'newSession' and 'secureConnection' and runs OpenSSL's server cache steps on them. The
 * context's settings rule: its id context and timeout are set on Node's server too (Node's
 * `sessionIdContext` and `sessionTimeout`, by rebuilding its secure context). The context's get
 * callback may return a session, DER bytes or a Promise of either; the handshake waits for it.
 * Nothing a callback does fails a handshake: it becomes a miss (or a session not kept) and a
 * report (options.onError, the adapter's 'error' event, else a process warning). Attach before
 * the server accepts connections. Throws a TypeError for a server that is not a TLS server, an
 * Error for a second attach or an id context that conflicts with the context's.
 */
export function attachSessionCache(server: tls.Server, ctx: SSL_CTX, options?: SessionCacheOptions): SessionCacheAdapter {
  return new SessionCacheAdapter(server, ctx, options);
}
