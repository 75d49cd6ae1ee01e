// Not OpenSSL API: an SSL_CTX of this package as the session cache behind Node's TLS servers
// (tls.Server, https.Server, http2 secure servers) and clients (tls.connect, https.Agent).
//
// Node's servers keep no session cache of their own (Node's SSL_CTX has SSL_SESS_CACHE_NO_INTERNAL):
// session-id resumption works only through the server's 'newSession' and 'resumeSession' events,
// which hand sessions over as OpenSSL's DER. attachSessionCache answers those events with the
// server handshake steps of OpenSSL 3.0 (handshake.ts), on an SSL object standing for the connection, so the
// context's mode, size, timeouts, id context, callbacks and statistics behave as in OpenSSL.
//
// How each statistic follows a Node server (one SSL_CTX per adapter):
//   accept       'connection' (a TCP connection the TLS server takes: tls_setup_handshake)
//   accept_good  'secureConnection' (tls_finish_handshake); after a session-id resumption on the
//                connection object that resumed, so auto-clear runs there as in OpenSSL
//   misses, hits, cb_hits, timeouts
//                'resumeSession' (ssl_get_prev_session: table unless NO_INTERNAL_LOOKUP, then the
//                get callback, version / id context / expiry checks)
//   number, cache_full, auto-clear
//                'newSession' (ssl_update_cache: internal store unless NO_INTERNAL_STORE, the new
//                callback, every 256th good handshake a flush)
//   connect*     never (server side); accept_renegotiate never (Node renegotiates without us)
// Resumptions by ticket (TLS 1.2 tickets, TLS 1.3 PSK) happen inside Node's OpenSSL: no
// 'resumeSession' is emitted, so they count accept and accept_good only (and
// stats().ticketResumptions). Node emits 'resumeSession' for every ClientHello that carries a
// session id and no ticket, including the random legacy_session_id of TLS 1.3 clients: those
// count one miss each, where OpenSSL, negotiating TLS 1.3, would not look the id up.
import { EventEmitter } from 'node:events';
import type * as tls from 'node:tls';
import {
  SSL_CTX_free, SSL_CTX_get_session_cache_mode, SSL_CTX_sess_accept, SSL_CTX_sess_accept_good,
  SSL_CTX_sess_accept_renegotiate, SSL_CTX_sess_cache_full, SSL_CTX_sess_cb_hits, SSL_CTX_sess_connect,
  SSL_CTX_sess_connect_good, SSL_CTX_sess_connect_renegotiate, SSL_CTX_sess_get_get_cb, SSL_CTX_sess_hits,
  SSL_CTX_sess_misses, SSL_CTX_sess_number, SSL_CTX_sess_timeouts, SSL_CTX_set_session_cache_mode, SSL_CTX_up_ref,
} from './ctx';
import {
  SSL_SESS_CACHE_NO_INTERNAL_LOOKUP, SSL_SESS_CACHE_SERVER, SSL_SENT_SHUTDOWN, SSL_RECEIVED_SHUTDOWN,
  TLS1_1_VERSION, TLS1_2_VERSION, TLS1_3_VERSION, TLS1_VERSION,
} from './constants';
import { sessionFromDer, sessionToDer } from './der';
import { setNegotiatedVersion, ssl_get_prev_session, ssl_update_cache, tls_finish_handshake, tls_setup_handshake } from './handshake';
import {
  SSL_SESSION_free, SSL_SESSION_get0_id_context, SSL_SESSION_get_id, SSL_SESSION_get_protocol_version,
} from './session';
import {
  SSL_CTX_set_session_id_context, SSL_free, SSL_get0_session, SSL_has_matching_session_id, SSL_new,
  SSL_session_reused, SSL_set_accept_state, SSL_set_session, SSL_set_shutdown,
} from './ssl';
import {
  type AsyncGetSessionCallback, CallbackGuard, SessionCacheError, asBuffer, drainErrorQueue, hex, isThenable, toError,
  toSession,
} from './tls-guard';
import type { GetSessionCallback, Out, SSL, SSL_CTX, SSL_SESSION } from './types';

export {
  type AsyncGetSessionCallback, SessionCacheError, type SessionCacheErrorSource, setAsyncGetSessionCallback,
} from './tls-guard';
export * from './tls-client';

/** The versions that resume by session id, in the order the adapter tries them (see attachSessionCache). */
export const SESSION_ID_VERSIONS: readonly number[] = [TLS1_2_VERSION, TLS1_1_VERSION, TLS1_VERSION];

/** SessionCacheOptions are the options of {@link attachSessionCache}. */
export interface SessionCacheOptions {
  /**
   * The session id context, set once for both sides: Node's server (its `sessionIdContext`, by
   * rebuilding the server's secure context from its own options with `server.setSecureContext`)
   * and the cache (SSL_CTX_set_session_id_context with the same UTF-8 bytes, as Node passes
   * them). Up to 32 bytes. Without it the cache takes the server's current value, which by
   * default is a hash of `process.argv`: sessions then never resume in another process or on
   * another machine, even through a shared external store.
   */
  sessionIdContext?: string | Uint8Array;
  /**
   * What to do with the TLS 1.3 sessions Node hands to 'newSession' (one per ticket, usually two
   * per handshake). They are never looked up by id: Node resumes TLS 1.3 by ticket inside its
   * own OpenSSL. 'skip' (the default, as nginx does with tickets on) calls done() and leaves the
   * cache and the new callback alone; 'store' runs the new-session path for them too (they take
   * cache space until they expire or are evicted).
   */
  tls13?: 'skip' | 'store';
  /** Milliseconds a Promise from the get callback may take before the lookup counts as a miss (default 2000). */
  getTimeout?: number;
  /** Called with each error the adapter caught (callbacks that threw or rejected, undecodable DER, ...). */
  onError?: (err: SessionCacheError) => void;
}

/** SSL_CTX_sess_* of the context, and the adapter's own counts. */
export interface SessionCacheStats {
  number: number; connect: number; connect_good: number; connect_renegotiate: number;
  accept: number; accept_good: number; accept_renegotiate: number;
  hits: number; cb_hits: number; misses: number; timeouts: number; cache_full: number;
  /** Handshakes Node resumed from a ticket (the cache was not asked). */
  ticketResumptions: number;
  /** TLS 1.3 sessions from 'newSession' left alone (tls13: 'skip'). */
  tls13Skipped: number;
  /** Errors reported (onError / 'error'). */
  errors: number;
}

/** What a 'lookup' event reports: one 'resumeSession' answered. */
export interface SessionLookupInfo {
  id: Buffer;
  /** The cache resumed it (Node got the session back). */
  resumed: boolean;
  /** The version the lookup ran with. */
  version: number;
}

/** What a 'store' event reports: one 'newSession' handled. */
export interface SessionStoreInfo {
  id: Buffer;
  version: number;
  /** false when skipped (TLS 1.3 with tls13: 'skip') or not decodable. */
  handled: boolean;
}

/** SSL_CTX_sess_* of `ctx` as one object (what print_stats prints). */
export function sessionCacheStats(ctx: SSL_CTX): Omit<SessionCacheStats, 'ticketResumptions' | 'tls13Skipped' | 'errors'> {
  return {
    number: SSL_CTX_sess_number(ctx), connect: SSL_CTX_sess_connect(ctx), connect_good: SSL_CTX_sess_connect_good(ctx),
    connect_renegotiate: SSL_CTX_sess_connect_renegotiate(ctx), accept: SSL_CTX_sess_accept(ctx),
    accept_good: SSL_CTX_sess_accept_good(ctx), accept_renegotiate: SSL_CTX_sess_accept_renegotiate(ctx),
    hits: SSL_CTX_sess_hits(ctx), cb_hits: SSL_CTX_sess_cb_hits(ctx), misses: SSL_CTX_sess_misses(ctx),
    timeouts: SSL_CTX_sess_timeouts(ctx), cache_full: SSL_CTX_sess_cache_full(ctx),
  };
}

/**
 * A sessionIdContext as Node takes it (a string; Node passes its UTF-8 bytes to OpenSSL). Bytes
 * are accepted when they are valid UTF-8 (any ASCII, NULs included, as C's `&int_var` contexts).
 */
function sidCtxString(value: string | Uint8Array): string {
  if (typeof value === 'string') return value;
  if (!(value instanceof Uint8Array)) throw new TypeError('sessionIdContext must be a string or a Uint8Array');
  const s = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  if (!Buffer.from(s, 'utf8').equals(value)) throw new RangeError('sessionIdContext: these bytes are not valid UTF-8, and Node takes the id context as a string');
  return s;
}

/** The bytes Node uses for a sessionIdContext string (UTF-8), checked against SSL_MAX_SID_CTX_LENGTH. */
function sidCtxBytes(value: string): Buffer {
  if (typeof value !== 'string') throw new TypeError('sessionIdContext must be a string (Node takes a string)');
  const b = Buffer.from(value, 'utf8');
  if (b.length > 32) throw new RangeError(`sessionIdContext is ${b.length} bytes in UTF-8; at most 32 (SSL_MAX_SID_CTX_LENGTH)`);
  return b;
}

type ServerWithOptions = tls.Server & Record<string, unknown> & { sessionIdContext?: string };

/**
 * setServerSessionIdContext gives a Node TLS server a new session id context: it rebuilds the
 * server's secure context with server.setSecureContext from the options the server recorded
 * (the same properties setSecureContext reads, and the current ticket keys, so issued tickets
 * stay valid) plus `value`. Contexts added with server.addContext (SNI) keep their own: pass the
 * same sessionIdContext in their options.
 */
export function setServerSessionIdContext(server: tls.Server, value: string): void {
  sidCtxBytes(value);
  const s = server as ServerWithOptions;
  const keys = ['pfx', 'key', 'passphrase', 'cert', 'clientCertEngine', 'ca', 'minVersion', 'maxVersion',
    'secureProtocol', 'crl', 'sigalgs', 'ciphers', 'ecdhCurve', 'dhparam', 'honorCipherOrder', 'secureOptions',
    'sessionTimeout', 'privateKeyIdentifier', 'privateKeyEngine'];
  const options: Record<string, unknown> = {};
  for (const k of keys) if (s[k] !== undefined) options[k] = s[k];
  options.ticketKeys = server.getTicketKeys();
  options.sessionIdContext = value;
  server.setSecureContext(options as tls.SecureContextOptions);
}

interface Parked { ssl: SSL; timer: NodeJS.Timeout }

/**
 * The handle attachSessionCache returns. Events: 'error' (SessionCacheError; only emitted when
 * there is a listener, so an unhandled report never throws), 'lookup' (SessionLookupInfo),
 * 'store' (SessionStoreInfo).
 */
export class SessionCacheAdapter extends EventEmitter {
  readonly ctx: SSL_CTX;
  readonly server: tls.Server;
  private readonly tls13: 'skip' | 'store';
  private readonly getTimeout: number;
  private readonly onError: ((err: SessionCacheError) => void) | undefined;
  private readonly guard: CallbackGuard;
  // The connection objects for the two counters that have no session to carry.
  private readonly acceptSsl: SSL;
  private readonly finishSsl: SSL;
  // Connections that resumed by id, until their 'secureConnection' (keyed by id hex).
  private readonly parked = new Map<string, Parked[]>();
  private parkedCount = 0;
  private sidCtx: Buffer;
  private sidCtxWarned = false;
  private detached = false;
  private readonly counts = { ticketResumptions: 0, tls13Skipped: 0, errors: 0 };
  private readonly listeners_: [string, (...a: never[]) => void][];

  constructor(server: tls.Server, ctx: SSL_CTX, options: SessionCacheOptions = {}) {
    super();
    if (options.tls13 !== undefined && options.tls13 !== 'skip' && options.tls13 !== 'store') {
      throw new TypeError("attachSessionCache: tls13 must be 'skip' or 'store'");
    }
    this.server = server;
    this.ctx = ctx;
    this.tls13 = options.tls13 ?? 'skip';
    this.getTimeout = options.getTimeout ?? 2000;
    this.onError = options.onError;
    this.guard = new CallbackGuard(ctx, (e) => this.report(e));
    const given = options.sessionIdContext === undefined ? undefined : sidCtxString(options.sessionIdContext);
    const sid = given ?? (server as ServerWithOptions).sessionIdContext ?? '';
    this.sidCtx = sidCtxBytes(sid);
    if (given !== undefined && (server as ServerWithOptions).sessionIdContext !== sid) {
      setServerSessionIdContext(server, sid);
    }
    SSL_CTX_up_ref(ctx); // the adapter's reference, dropped by detach()
    SSL_CTX_set_session_id_context(ctx, this.sidCtx);
    this.acceptSsl = this.newSsl();
    this.finishSsl = this.newSsl();
    setNegotiatedVersion(this.finishSsl, TLS1_2_VERSION);
    this.listeners_ = [
      ['connection', this.onConnection],
      ['resumeSession', this.onResumeSession],
      ['newSession', this.onNewSession],
      ['secureConnection', this.onSecureConnection],
    ];
    for (const [ev, fn] of this.listeners_) server.on(ev, fn as (...a: unknown[]) => void);
  }

  /** The id context both Node and the cache use now. */
  get sessionIdContext(): string {
    return this.sidCtx.toString('utf8');
  }

  /** setSessionIdContext changes the id context of both the server and the cache (see SessionCacheOptions.sessionIdContext). */
  setSessionIdContext(value: string | Uint8Array): void {
    const v = sidCtxString(value);
    this.sidCtx = sidCtxBytes(v);
    setServerSessionIdContext(this.server, v);
    SSL_CTX_set_session_id_context(this.ctx, this.sidCtx);
    this.sidCtxWarned = false;
  }

  /** The context's statistics and the adapter's own counts. */
  stats(): SessionCacheStats {
    return { ...sessionCacheStats(this.ctx), ...this.counts };
  }

  /**
   * detach removes the adapter's listeners from the server, frees its connection objects and drops
   * its reference on the context. Handshakes still waiting on a get callback get a miss.
   */
  detach(): void {
    if (this.detached) return;
    this.detached = true;
    for (const [ev, fn] of this.listeners_) this.server.removeListener(ev, fn as (...a: unknown[]) => void);
    for (const list of this.parked.values()) for (const p of list) { clearTimeout(p.timer); this.release(p.ssl); }
    this.parked.clear();
    this.parkedCount = 0;
    this.release(this.acceptSsl);
    this.release(this.finishSsl);
    SSL_CTX_free(this.ctx);
  }

  private report(e: SessionCacheError): void {
    this.counts.errors++;
    if (this.onError) {
      try { this.onError(e); } catch { /* a reporter that throws is not reported again */ }
    }
    if (this.listenerCount('error') > 0) this.emit('error', e);
    else if (!this.onError) process.emitWarning(e.message, { type: 'SessionCacheWarning', code: `OSC_${e.source.toUpperCase()}` });
  }

  private newSsl(): SSL {
    const ssl = SSL_new(this.ctx);
    SSL_set_accept_state(ssl);
    return ssl;
  }

  // Every Node connection ends as if close_notify had been exchanged (as s_server does with
  // SSL_set_shutdown before SSL_free): its session stays cached. Node does not tell JavaScript
  // whether a close_notify was sent, and its own OpenSSL removes nothing visible (no remove
  // callback, NO_INTERNAL).
  private release(ssl: SSL): void {
    try {
      SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
      this.guard.run(() => SSL_free(ssl), null, () => undefined);
    } catch (e) {
      this.report(toError('internal', 'SSL_free', e));
    }
  }

  private readonly onConnection = (): void => {
    if (this.detached) return;
    try {
      tls_setup_handshake(this.acceptSsl);
    } catch (e) {
      this.report(toError('internal', 'tls_setup_handshake', e));
    }
  };

  private readonly onNewSession = (id: Buffer, der: Buffer, done: () => void): void => {
    let called = false;
    const finish = (): void => {
      if (called) return;
      called = true;
      try { done(); } catch (e) { this.report(toError('internal', 'newSession done()', e)); }
    };
    let pending: Promise<unknown>[] = [];
    try {
      if (this.detached) return;
      const s = sessionFromDer(der);
      if (s === null) {
        this.report(new SessionCacheError('der', `newSession: Node's session does not decode (${drainErrorQueue()})`));
        this.emit('store', { id, version: 0, handled: false } satisfies SessionStoreInfo);
        return;
      }
      const version = SSL_SESSION_get_protocol_version(s);
      if (version === TLS1_3_VERSION && this.tls13 === 'skip') {
        SSL_SESSION_free(s);
        this.counts.tls13Skipped++;
        this.emit('store', { id, version, handled: false } satisfies SessionStoreInfo);
        return;
      }
      this.checkSidCtx(s);
      // The connection that made the session, at the end of its handshake.
      const ssl = this.newSsl();
      setNegotiatedVersion(ssl, version);
      SSL_set_session(ssl, s); // the connection's reference
      SSL_SESSION_free(s); // ours
      this.guard.run(() => ssl_update_cache(ssl, SSL_SESS_CACHE_SERVER), null, () => undefined);
      pending = this.guard.takePending();
      this.release(ssl);
      this.emit('store', { id, version, handled: true } satisfies SessionStoreInfo);
    } catch (e) {
      this.report(toError('internal', 'newSession', e));
    } finally {
      // done() always runs; after an asynchronous new callback settles, if it returned a Promise.
      if (pending.length === 0) finish();
      else void this.settle(Promise.all(pending), 'new').then(finish, finish);
    }
  };

  private checkSidCtx(s: SSL_SESSION): void {
    if (this.sidCtxWarned) return;
    const got = Buffer.from(SSL_SESSION_get0_id_context(s));
    if (got.equals(this.sidCtx)) return;
    this.sidCtxWarned = true;
    this.report(new SessionCacheError('sessionIdContext',
      `a session from Node has id context "${got.toString('utf8')}", the cache "${this.sidCtx.toString('utf8')}": ` +
      'it will never resume. Set the id context once with attachSessionCache(..., { sessionIdContext }) ' +
      'or adapter.setSessionIdContext(), not with server.setSecureContext alone.'));
  }

  /** Waits for `p`, at most getTimeout ms; a timeout is reported and resolves to undefined. */
  private settle<T>(p: PromiseLike<T>, source: 'get' | 'new'): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.report(new SessionCacheError(source, `${source} session callback: its Promise did not settle within ${this.getTimeout} ms`));
        resolve(undefined);
      }, this.getTimeout);
      Promise.resolve(p).then((v) => { clearTimeout(timer); resolve(v); }, (e) => {
        clearTimeout(timer);
        this.report(toError(source, `${source} session callback rejected`, e));
        resolve(undefined);
      });
    });
  }

  private readonly onResumeSession = (id: Buffer, cb: (err: Error | null, session?: Buffer | null) => void): void => {
    let answered = false;
    const answer = (der: Buffer | null, err: Error | null = null): void => {
      if (answered) return;
      answered = true;
      try { cb(err, der); } catch (e) { this.report(toError('internal', 'resumeSession callback', e)); }
    };
    if (this.detached) { answer(null); return; }
    let ssl: SSL | null = null;
    try {
      ssl = this.newSsl();
      const version = this.probeVersion(ssl, id);
      // Pass 1: OpenSSL's lookup as it is. A get callback that answers synchronously with a
      // session of this version is used right there; one that returns a Promise (or a session of
      // another id-resumable version) gets null for now and is finished by pass 2.
      const userGet = SSL_CTX_sess_get_get_cb(this.ctx) as unknown as AsyncGetSessionCallback | null;
      let later: { value: unknown; copy: Out<number>; async: boolean } | null = null;
      const get: GetSessionCallback | null = userGet === null ? null : (s, i, len, copy) => {
        let r: unknown;
        try {
          r = userGet(s, i, len, copy);
        } catch (e) {
          this.report(toError('get', 'get session callback threw', e));
          return null; // a throwing get callback counts as returning NULL
        }
        if (isThenable(r)) { later = { value: r, copy, async: true }; return null; }
        const sess = toSession(r, copy, (e) => this.report(e));
        if (sess === null) return null;
        const v = SSL_SESSION_get_protocol_version(sess);
        if (v !== version && SESSION_ID_VERSIONS.includes(v)) { later = { value: sess, copy, async: false }; return null; }
        return sess;
      };
      const l = ssl;
      const r = this.guard.run(() => ssl_get_prev_session(l, id), get, () => SSL_session_reused(l));
      const pending = later as { value: unknown; copy: Out<number>; async: boolean } | null;
      if (r === -1) {
        // Fatal in OpenSSL (SSL_VERIFY_PEER without an id context): the handshake fails.
        const err = new SessionCacheError('internal', `resumeSession: ${drainErrorQueue()}`);
        this.report(err);
        this.release(l);
        ssl = null;
        answer(null, err);
        return;
      }
      if (r === 1 || pending === null) {
        ssl = null;
        this.finishLookup(l, id, version);
        answer(r === 1 ? this.encodeResumed(l, id) : null);
        return;
      }
      ssl = null;
      void this.secondPass(l, id, version, pending).then(answer, (e) => {
        this.report(toError('internal', 'resumeSession', e));
        answer(null);
      });
    } catch (e) {
      this.report(toError('internal', 'resumeSession', e));
      if (ssl) this.release(ssl);
      answer(null);
    }
  };

  // The version the lookup runs with. Node's 'resumeSession' does not say which version the
  // handshake negotiates; a session resumes only with its own version, so the connection takes
  // the version under which the internal table holds this id (TLS 1.2, then 1.1, then 1.0), or,
  // when the table has none, the version of the session the get callback returns (pass 2), or
  // TLS1_2_VERSION.
  private probeVersion(ssl: SSL, id: Buffer): number {
    if (!(SSL_CTX_get_session_cache_mode(this.ctx) & SSL_SESS_CACHE_NO_INTERNAL_LOOKUP) && id.length > 0 && id.length <= 32) {
      for (const v of SESSION_ID_VERSIONS) {
        setNegotiatedVersion(ssl, v);
        if (SSL_has_matching_session_id(ssl, id) === 1) return v;
      }
    }
    setNegotiatedVersion(ssl, TLS1_2_VERSION);
    return TLS1_2_VERSION;
  }

  // Pass 2: the get callback's answer once it settled, through the rest of OpenSSL's lookup
  // (cb_hits, the internal store, version / id context / expiry checks, hits or timeouts). The
  // table search and its miss were counted by pass 1, so this pass runs with
  // SSL_SESS_CACHE_NO_INTERNAL_LOOKUP added to the mode until the callback stand-in runs.
  private async secondPass(ssl: SSL, id: Buffer, version: number, later: { value: unknown; copy: Out<number>; async: boolean }): Promise<Buffer | null> {
    const copy = later.copy;
    let value: unknown = later.value;
    if (later.async) {
      value = await this.settle(value as PromiseLike<unknown>, 'get');
      if (value === undefined && !this.detached) {
        // Timed out or rejected: a late session handed over with copy 0 is freed when it comes.
        void Promise.resolve(later.value).then((v) => { if (v && !(v instanceof Uint8Array) && copy.value === 0) this.freeQuietly(v as SSL_SESSION); }, () => undefined);
      }
    }
    if (this.detached) {
      this.release(ssl);
      return null;
    }
    const sess = later.async ? toSession(value, copy, (e) => this.report(e)) : value as SSL_SESSION | null;
    if (sess === null) {
      this.finishLookup(ssl, id, version);
      return null;
    }
    const v = SSL_SESSION_get_protocol_version(sess);
    const runVersion = SESSION_ID_VERSIONS.includes(v) ? v : version;
    setNegotiatedVersion(ssl, runVersion);
    const ctx = this.ctx;
    const mode = SSL_CTX_get_session_cache_mode(ctx);
    const flipped = (mode | SSL_SESS_CACHE_NO_INTERNAL_LOOKUP) >>> 0;
    let restored = flipped === mode;
    if (!restored) SSL_CTX_set_session_cache_mode(ctx, flipped);
    let used = false;
    const stand: GetSessionCallback = (_s, _i, _l, c) => {
      if (!restored && SSL_CTX_get_session_cache_mode(ctx) === flipped) SSL_CTX_set_session_cache_mode(ctx, mode);
      restored = true;
      used = true;
      c.value = copy.value;
      return sess;
    };
    let r: number;
    try {
      r = this.guard.run(() => ssl_get_prev_session(ssl, id), stand, () => SSL_session_reused(ssl));
    } finally {
      if (!restored && SSL_CTX_get_session_cache_mode(ctx) === flipped) SSL_CTX_set_session_cache_mode(ctx, mode);
    }
    if (!used && copy.value === 0) this.freeQuietly(sess);
    this.finishLookup(ssl, id, runVersion);
    return r === 1 ? this.encodeResumed(ssl, id) : null;
  }

  private freeQuietly(s: SSL_SESSION): void {
    try { SSL_SESSION_free(s); } catch (e) { this.report(toError('get', 'freeing a session the get callback handed over', e)); }
  }

  // After a lookup: a connection that resumed waits for its 'secureConnection'; one that did not
  // is done (it never finished a handshake, so SSL_free removes nothing).
  private finishLookup(ssl: SSL, id: Buffer, version: number): void {
    const resumed = SSL_session_reused(ssl) === 1;
    if (resumed) this.park(ssl, id);
    else this.release(ssl);
    this.emit('lookup', { id, resumed, version } satisfies SessionLookupInfo);
  }

  private encodeResumed(ssl: SSL, id: Buffer): Buffer | null {
    const s = SSL_get0_session(ssl);
    const der = s && sessionToDer(s);
    if (!der) {
      this.report(new SessionCacheError('der', 'resumeSession: the resumed session has no DER form (no cipher); answered with a miss'));
      this.unpark(hex(id));
      return null;
    }
    return asBuffer(der);
  }

  private park(ssl: SSL, id: Buffer): void {
    const key = hex(id);
    // A handshake that fails after the answer never reaches 'secureConnection': its object goes
    // after the server's handshake timeout at the latest.
    const p: Parked = { ssl, timer: setTimeout(() => this.unparkOne(key, p), 130_000) };
    p.timer.unref();
    const list = this.parked.get(key);
    if (list) list.push(p);
    else this.parked.set(key, [p]);
    this.parkedCount++;
  }

  private unparkOne(key: string, p: Parked): void {
    const list = this.parked.get(key);
    const i = list ? list.indexOf(p) : -1;
    if (!list || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.parked.delete(key);
    this.parkedCount--;
    this.release(p.ssl);
  }

  private unpark(key: string): SSL | null {
    const list = this.parked.get(key);
    if (!list) return null;
    const p = list.shift() as Parked;
    if (list.length === 0) this.parked.delete(key);
    this.parkedCount--;
    clearTimeout(p.timer);
    return p.ssl;
  }

  private readonly onSecureConnection = (socket: tls.TLSSocket): void => {
    if (this.detached) return;
    try {
      let ssl: SSL | null = null;
      if (socket.isSessionReused()) {
        if (this.parkedCount > 0 && socket.getProtocol() !== 'TLSv1.3') {
          const der = socket.getSession();
          const s = der ? sessionFromDer(der) : null;
          if (s) {
            const len = { value: 0 };
            const id = SSL_SESSION_get_id(s, len);
            SSL_SESSION_free(s);
            ssl = this.unpark(hex(id, len.value));
          }
        }
        if (ssl === null) this.counts.ticketResumptions++;
      }
      if (ssl !== null) {
        const l = ssl;
        this.guard.run(() => tls_finish_handshake(l), null, () => 1);
        this.release(l);
      } else {
        tls_finish_handshake(this.finishSsl);
      }
    } catch (e) {
      this.report(toError('internal', 'secureConnection', e));
    }
  };
}

/**
 * attachSessionCache makes `ctx` the session cache of a Node TLS server (tls.Server, https.Server,
 * an http2 secure server): it listens to 'connection', 'resumeSession', 'newSession' and
 * 'secureConnection' and runs OpenSSL's server cache steps on them (see the top of this file for
 * how each statistic maps). The context's get callback may return a session, DER bytes or a
 * Promise of either; the handshake waits for it. Nothing a callback does fails a handshake: it
 * becomes a miss (or a session not kept) and a report (options.onError, the adapter's 'error'
 * event, else a process warning). Attach before the server accepts connections, and add no
 * 'newSession' / 'resumeSession' listeners of your own.
 *
 * Session-id resumption is what the cache serves: TLS 1.2 and earlier, clients that send no ticket.
 * For every client to go through the cache, create the server with
 * `secureOptions: crypto.constants.SSL_OP_NO_TICKET` (and `maxVersion: 'TLSv1.2'` if TLS 1.3 clients
 * should resume too; TLS 1.3 resumes only by ticket). The adapter takes a reference on `ctx` until
 * detach().
 */
export function attachSessionCache(server: tls.Server, ctx: SSL_CTX, options?: SessionCacheOptions): SessionCacheAdapter {
  return new SessionCacheAdapter(server, ctx, options);
}
