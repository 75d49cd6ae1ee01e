// A shared session store on Redis behind OpenSSL's external-cache callbacks
// (SSL_CTX_sess_set_new_cb / _remove_cb / _get_cb), so connections that land
// on another worker or host resume. Not OpenSSL API. Loaded from the
// 'openssl-session-cache/redis' subpath only: the Redis client stays an
// optional peer dependency, and this file never loads it (the caller passes
// a connected node-redis client in).
//
// Sessions are kept as OpenSSL's DER (i2d_SSL_SESSION) under
//   <prefix><hex id context>:<hex session id>
// with a time to live equal to the session's remaining lifetime. The new and
// remove callbacks return at once (the writes go out in the background and
// count their failures); the get callback returns a Promise that settles
// within `timeoutMs`: Redis slow, down or overloaded is a miss (a full
// handshake), never a hang or an exception.

import { binding } from './binding';
import { TLS1_3_VERSION } from './constants';
import {
  SSL_CTX_sess_accept,
  SSL_CTX_sess_accept_good,
  SSL_CTX_sess_cache_full,
  SSL_CTX_sess_cb_hits,
  SSL_CTX_sess_get_get_cb,
  SSL_CTX_sess_get_new_cb,
  SSL_CTX_sess_get_remove_cb,
  SSL_CTX_sess_hits,
  SSL_CTX_sess_misses,
  SSL_CTX_sess_number,
  SSL_CTX_sess_set_new_cb,
  SSL_CTX_sess_set_remove_cb,
  SSL_CTX_sess_timeouts,
} from './ctx';
import { sessionFromDer, sessionToDer } from './der';
import { SSL_SESSION_free, SSL_SESSION_get_id, SSL_SESSION_get_protocol_version, SSL_SESSION_get0_id_context } from './session';
import { SSL_CTX_set_session_id_context } from './ssl';
import { checkTimeoutMs, setAsyncGetSessionCallback } from './tls-common';
import type { Out, SSL, SSL_CTX, SSL_SESSION } from './types';

/**
 * What the store needs of a Redis client: node-redis's (`createClient()` from the `redis`
 * package, v5 or v6) `sendCommand`, `isReady` and `on('error')`. Replies must honour
 * `typeMapping` so that bulk strings come back as Buffers (node-redis v5 and v6 do).
 */
export interface RedisCommandClient {
  /** sendCommand sends one command (`args[0]` is its name) and resolves with the reply. */
  sendCommand(args: Array<string | Buffer>, options?: RedisCommandOptions): Promise<unknown>;
  /** false while disconnected or reconnecting: the store then fails fast without sending. */
  readonly isReady?: boolean;
  /** on adds a listener; the store listens to 'error' so that a lost connection never ends the process. */
  on?(event: 'error', listener: (err: unknown) => void): unknown;
  /** off removes a listener the store added (detach). */
  off?(event: 'error', listener: (err: unknown) => void): unknown;
}

/** The per-command options the store passes (node-redis's CommandOptions subset). */
export interface RedisCommandOptions {
  typeMapping?: Record<number, unknown>;
}

/** RedisSessionStoreOptions are the options of {@link createRedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /** A node-redis client; docs/stores.md shows the client settings that fail fast while Redis is down. */
  client: RedisCommandClient;
  /**
   * The session id context (up to 32 bytes; a string is taken as UTF-8). Every process that
   * shares the store must use the same one: the store sets it on the context with
   * SSL_CTX_set_session_id_context, and it is part of every key. (Node's own default is a hash
   * of process.argv, which differs between programs and hosts.)
   */
  idContext: Uint8Array | string;
  /** Key prefix (default "osc:sess:"); give each service or certificate its own. */
  prefix?: string;
  /** How long a lookup may wait for Redis before it counts as a timeout and a miss (default 50 ms). */
  timeoutMs?: number;
  /**
   * At most this many commands in flight (default 1024). Past it, writes are dropped and lookups
   * miss at once (`dropped`), so a stalled Redis cannot make memory grow without bound.
   */
  maxPending?: number;
  /**
   * How long a key Redis answered as missing is taken as missing without asking again, in
   * milliseconds (default 1000; 0 asks every time). Bounds what a flood of repeated unknown ids
   * costs; a session this process writes meanwhile is found at once.
   */
  negativeTtlMs?: number;
  /**
   * Whether the remove callback deletes the key (default true): OpenSSL calls it for sessions
   * removed as faulty (a connection closed without a shutdown), expired, evicted from a full
   * internal cache and, at SSL_CTX_free, for every cached one; call detach() before
   * SSL_CTX_free so a stopping worker does not delete the sessions the others still serve.
   */
  deleteOnRemove?: boolean;
}

/** The store's counters. Every lookup ends as exactly one of hits, misses, errors, timeouts, dropped. */
export interface RedisSessionStoreCounters {
  /** Sessions written (SET acknowledged). */
  stores: number;
  /** Lookups that found and decoded a session. */
  hits: number;
  /** Lookups that found no key. */
  misses: number;
  /** Commands Redis or the client rejected (down, reconnecting, error reply), and undecodable values. */
  errors: number;
  /** Lookups that took longer than `timeoutMs`. */
  timeouts: number;
  /** Commands not sent because `maxPending` were in flight. */
  dropped: number;
  /** New sessions not written: already expired, no remaining lifetime, or no DER form (no cipher). */
  skipped: number;
  /**
   * New sessions not written because their id context is not the store's: this process's own
   * lookups could never find them. Non-zero means a misconfiguration (see `idContext`).
   */
  wrongContext: number;
  /** Keys deleted by the remove callback (DEL acknowledged). */
  removes: number;
  /** Lookups started (the get callback's calls). */
  lookups: number;
  /** Errors the client emitted (lost connection, failed reconnects). */
  clientErrors: number;
  /** Commands in flight now. */
  pending: number;
  /** Of the misses, those answered from the memory of recent misses (no request). */
  knownMisses: number;
  /** Values refused: not decodable, or a session with another id than its key's (also in errors). */
  invalid: number;
}

/** OpenSSL's own statistics of the context (SSL_CTX_sess_*), beside the store's. */
export interface SessionCacheStats {
  number: number;
  accept: number;
  accept_good: number;
  hits: number;
  cb_hits: number;
  misses: number;
  timeouts: number;
  cache_full: number;
}

/** RedisSessionStoreStats is what {@link RedisSessionStore.stats} returns: the store's counters, OpenSSL's statistics and the last error. */
export interface RedisSessionStoreStats extends RedisSessionStoreCounters {
  openssl: SessionCacheStats;
  /** The last error seen (command or client), as text, or null. */
  lastError: string | null;
}

/**
 * The get callback the store installs: like GetSessionCallback, but it answers with a Promise
 * (the TLS adapter waits for it). It sets `copy.value` to 0 at once: a session it resolves to
 * carries one reference that becomes the caller's.
 */
export type RedisGetSessionCallback = (ssl: SSL, id: Uint8Array, len: number, copy: Out<number>) => Promise<SSL_SESSION | null>;

/** RedisSessionStore is the handle {@link createRedisSessionStore} returns. */
export interface RedisSessionStore {
  readonly ctx: SSL_CTX;
  /** The get callback installed on ctx (also usable by a driver directly). */
  readonly getSession: RedisGetSessionCallback;
  /** key returns the Redis key of a session id under the store's id context (or `idContext`). */
  key(id: Uint8Array, idContext?: Uint8Array): string;
  /** stats returns the store's counters with OpenSSL's statistics of ctx. */
  stats(): RedisSessionStoreStats;
  /** drain resolves once every command in flight has settled (tests, graceful shutdown). */
  drain(): Promise<void>;
  /**
   * detach removes the store's callbacks from ctx (those still its own) and its client error
   * listener. Call it before SSL_CTX_free: the final flush then stays out of Redis.
   */
  detach(): void;
}

const DEFAULT_PREFIX = 'osc:sess:';
const DEFAULT_TIMEOUT_MS = 50;
const DEFAULT_MAX_PENDING = 1024;
const DEFAULT_NEGATIVE_TTL_MS = 1000;
const MAX_KNOWN_MISSING = 10_000;
const MGET_BATCH = 512;
// RESP_TYPES.BLOB_STRING in node-redis ('$'): map bulk strings to Buffers, not UTF-8 text.
const BUFFER_REPLIES = { 36: Buffer } as const;

function toBytes(v: Uint8Array | string): Uint8Array {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : v;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

function message(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * remainingMs returns how long `s` has left to live at the cache clock, in milliseconds: 0 when
 * expired or in its last second; a session whose time + timeout overflows never expires (capped
 * at 2^53 - 1). The core computes it, with OpenSSL's expiry rule.
 */
export const remainingMs: (s: SSL_SESSION) => number = binding.sessionRemainingMs;

/**
 * createRedisSessionStore makes Redis the external session cache of `ctx`: it sets the id
 * context and installs the new, remove and get callbacks (replacing any). It does not change
 * the cache mode: with the internal cache in front (SSL_SESS_CACHE_SERVER) Redis answers what
 * this process has not cached; with SSL_SESS_CACHE_SERVER | SSL_SESS_CACHE_NO_INTERNAL every
 * lookup goes to Redis. Throws a RangeError for an id context over 32 bytes.
 */
export function createRedisSessionStore(ctx: SSL_CTX, options: RedisSessionStoreOptions): RedisSessionStore {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('createRedisSessionStore: expected options { client, idContext, ... }');
  }
  const { client } = options;
  if (client === null || typeof client !== 'object' || typeof client.sendCommand !== 'function') {
    throw new TypeError('createRedisSessionStore: options.client must be a node-redis client');
  }
  if (options.idContext === undefined || options.idContext === null) {
    throw new TypeError('createRedisSessionStore: options.idContext is required (the same in every process sharing the store)');
  }
  if (typeof options.idContext !== 'string' && !(options.idContext instanceof Uint8Array)) {
    throw new TypeError('createRedisSessionStore: idContext must be a string or a Uint8Array');
  }
  const idContext = toBytes(options.idContext);
  if (idContext.length > 32) throw new RangeError('createRedisSessionStore: idContext is longer than 32 bytes');
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== 'string') throw new TypeError('createRedisSessionStore: prefix must be a string');
  const timeoutMs = checkTimeoutMs('createRedisSessionStore: timeoutMs', options.timeoutMs, DEFAULT_TIMEOUT_MS);
  const maxPending = options.maxPending === undefined ? DEFAULT_MAX_PENDING : options.maxPending;
  if (!Number.isInteger(maxPending) || maxPending < 1)
    throw new RangeError('createRedisSessionStore: maxPending must be a positive integer');
  const negativeTtlMs = options.negativeTtlMs === undefined ? DEFAULT_NEGATIVE_TTL_MS : options.negativeTtlMs;
  if (!Number.isInteger(negativeTtlMs) || negativeTtlMs < 0 || negativeTtlMs > 2 ** 31 - 1) {
    throw new RangeError('createRedisSessionStore: negativeTtlMs must be whole milliseconds from 0 to 2147483647');
  }
  const deleteOnRemove = options.deleteOnRemove ?? true;
  if (typeof deleteOnRemove !== 'boolean') throw new TypeError('createRedisSessionStore: deleteOnRemove must be a boolean');

  const c: RedisSessionStoreCounters = {
    stores: 0,
    hits: 0,
    misses: 0,
    errors: 0,
    timeouts: 0,
    dropped: 0,
    skipped: 0,
    wrongContext: 0,
    removes: 0,
    lookups: 0,
    clientErrors: 0,
    pending: 0,
    knownMisses: 0,
    invalid: 0,
  };
  let lastError: string | null = null;
  const inFlight = new Set<Promise<unknown>>();
  const ctxHex = hex(idContext);
  const idContextBuf = Buffer.from(idContext);

  const key = (id: Uint8Array, sidCtx?: Uint8Array): string => `${prefix}${sidCtx === undefined ? ctxHex : hex(sidCtx)}:${hex(id)}`;
  const sessionKey = (s: SSL_SESSION): string => key(SSL_SESSION_get_id(s), SSL_SESSION_get0_id_context(s));

  function commandFailed(err: unknown): void {
    c.errors++;
    lastError = message(err);
  }

  // Sends a command unless the client is offline or too many are in flight. Returns why it was
  // not sent ('error' or 'dropped', counted `times`), or the promise of its settling (never
  // rejects).
  function send(
    args: Array<string | Buffer>,
    opts: RedisCommandOptions | undefined,
    onReply: (reply: unknown) => void,
    onError: (err: unknown) => void,
    times = 1,
  ): Promise<unknown> | 'error' | 'dropped' {
    if (client.isReady === false) {
      c.errors += times;
      lastError = 'client not ready (disconnected or reconnecting)';
      return 'error';
    }
    if (c.pending >= maxPending) {
      c.dropped += times;
      return 'dropped';
    }
    let p: Promise<unknown>;
    try {
      // Promise.resolve: a client that answers with a bare value or a thenable still settles here.
      p = Promise.resolve(client.sendCommand(args, opts));
    } catch (err) {
      c.errors += times;
      lastError = message(err);
      return 'error';
    }
    c.pending++;
    const settled = p
      .then(onReply, onError)
      .catch(commandFailed)
      .finally(() => {
        c.pending--;
        inFlight.delete(settled);
      });
    inFlight.add(settled);
    return settled;
  }

  // new_session_cb: encode now (the session may change or go after we return), write in the
  // background, return 0 (the store keeps no reference).
  const onNew = (_ssl: SSL, sess: SSL_SESSION): number => {
    const sidCtx = SSL_SESSION_get0_id_context(sess);
    if (!Buffer.from(sidCtx.buffer, sidCtx.byteOffset, sidCtx.byteLength).equals(idContextBuf)) {
      c.wrongContext++;
      lastError =
        `a new session has id context ${hex(sidCtx) || '(empty)'}, the store ${ctxHex || '(empty)'}: ` +
        'not stored. Use the same id context everywhere (attachSessionCache sessionIdContext = store idContext).';
      return 0;
    }
    // A TLS 1.3 session (a ticket's) is never looked up by id: not worth a write.
    const ttl = SSL_SESSION_get_protocol_version(sess) === TLS1_3_VERSION ? 0 : remainingMs(sess);
    const der = ttl > 0 ? sessionToDer(sess) : null;
    if (der === null) {
      c.skipped++;
      return 0;
    }
    const value = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
    const k = sessionKey(sess);
    knownMissing.delete(k);
    send(
      ['SET', k, value, 'PX', String(ttl)],
      undefined,
      () => {
        c.stores++;
      },
      commandFailed,
    );
    return 0;
  };

  // remove_session_cb: delete the key in the background.
  const onRemove = (_ctx: SSL_CTX, sess: SSL_SESSION): void => {
    if (!deleteOnRemove) return;
    send(
      ['DEL', sessionKey(sess)],
      undefined,
      () => {
        c.removes++;
      },
      commandFailed,
    );
  };

  // Keys Redis recently answered as missing, with when that answer goes stale (Date.now ms),
  // oldest first: a repeated unknown id costs no request for negativeTtlMs. A write of the key
  // from this process forgets it at once.
  const knownMissing = new Map<string, number>();
  function rememberMissing(k: string): void {
    if (negativeTtlMs === 0) return;
    knownMissing.delete(k);
    knownMissing.set(k, Date.now() + negativeTtlMs);
    if (knownMissing.size > MAX_KNOWN_MISSING) knownMissing.delete(knownMissing.keys().next().value as string);
  }
  function knownMissingNow(k: string): boolean {
    const until = knownMissing.get(k);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    knownMissing.delete(k);
    return false;
  }

  // Lookups go out in batches: the keys asked for within one turn of the event loop share one
  // MGET (at most MGET_BATCH keys each), and one key asked for twice shares its request. A flood
  // of unknown ids then costs one key in a batch each, and the real lookups in the flood are
  // answered with the same batches, within the timeout, instead of queueing behind one GET each.
  type Answer = (reply: Buffer | null | 'error' | 'dropped') => void;
  let queued = new Map<string, Answer[]>();
  let flushScheduled = false;
  function flushBatches(): void {
    flushScheduled = false;
    const all = queued;
    queued = new Map();
    const keys = [...all.keys()];
    for (let i = 0; i < keys.length; i += MGET_BATCH) {
      const part = keys.slice(i, i + MGET_BATCH);
      const answerAll = (reply: (k: string, n: number) => Buffer | null | 'error' | 'dropped'): void => {
        part.forEach((k, n) => {
          for (const a of all.get(k) ?? []) a(reply(k, n));
        });
      };
      // A failure is counted by each lookup it answers (one not timed out yet).
      const failAll = (err: unknown): void => {
        lastError = message(err);
        answerAll(() => 'error');
      };
      const sent = send(
        ['MGET', ...part],
        { typeMapping: BUFFER_REPLIES },
        (reply) => {
          if (!Array.isArray(reply) || reply.length !== part.length) {
            failAll(new TypeError('MGET replied with something else than one value per key'));
            return;
          }
          if (reply.some((v) => v !== null && v !== undefined && !(v instanceof Uint8Array))) {
            failAll(new TypeError('MGET replied with text: the client ignored typeMapping (node-redis v5 or later is needed)'));
            return;
          }
          answerAll((_k, n) => {
            const v = reply[n] as Uint8Array | null | undefined;
            return v === null || v === undefined ? null : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
          });
        },
        failAll,
        0,
      );
      if (typeof sent === 'string') answerAll(() => sent);
    }
  }
  function fetchValue(k: string, answer: Answer): void {
    const waiting = queued.get(k);
    if (waiting) {
      waiting.push(answer);
      return;
    }
    queued.set(k, [answer]);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushBatches);
    }
  }

  // get_session_cb: settles within timeoutMs. A reply after the timeout is dropped undecoded,
  // so no session is made that nobody would free. A value is taken only if it decodes and
  // carries the id it was stored under.
  const getSession: RedisGetSessionCallback = (_ssl, id, len, copy) => {
    copy.value = 0; // a resolved session's one reference (from d2i) goes to the caller
    c.lookups++;
    const want = id.subarray(0, len);
    const k = key(want);
    if (knownMissingNow(k)) {
      c.misses++;
      c.knownMisses++;
      return Promise.resolve(null);
    }
    return new Promise<SSL_SESSION | null>((resolve) => {
      let done = false;
      const timer = setTimeout(() => {
        if (done) return;
        done = true;
        c.timeouts++;
        resolve(null);
      }, timeoutMs);
      fetchValue(k, (reply) => {
        if (done) return; // after a timeout, already counted
        done = true;
        clearTimeout(timer);
        if (reply === 'error' || reply === 'dropped') {
          if (reply === 'error') c.errors++;
          else c.dropped++;
          resolve(null);
          return;
        }
        if (reply === null) {
          c.misses++;
          rememberMissing(k);
          resolve(null);
          return;
        }
        const s = sessionFromDer(reply);
        if (s === null || !Buffer.from(SSL_SESSION_get_id(s)).equals(Buffer.from(want))) {
          if (s !== null) SSL_SESSION_free(s);
          c.invalid++;
          commandFailed(new Error(`${s === null ? 'undecodable value' : 'a session with another id'} under ${k}`));
          resolve(null);
          return;
        }
        c.hits++;
        resolve(s);
      });
    });
  };

  const onClientError = (err: unknown): void => {
    c.clientErrors++;
    lastError = message(err);
  };

  SSL_CTX_set_session_id_context(ctx, idContext);
  SSL_CTX_sess_set_new_cb(ctx, onNew);
  SSL_CTX_sess_set_remove_cb(ctx, onRemove);
  // The TLS adapter (attachSessionCache) awaits the Promise; synchronous drivers must not use ctx.
  setAsyncGetSessionCallback(ctx, getSession);
  // node-redis emits 'error' on a lost connection; with no listener that would end the process.
  if (typeof client.on === 'function') client.on('error', onClientError);

  return {
    ctx,
    getSession,
    key: (id, sidCtx) => key(id, sidCtx),
    stats: () => ({
      ...c,
      lastError,
      openssl: {
        number: SSL_CTX_sess_number(ctx),
        accept: SSL_CTX_sess_accept(ctx),
        accept_good: SSL_CTX_sess_accept_good(ctx),
        hits: SSL_CTX_sess_hits(ctx),
        cb_hits: SSL_CTX_sess_cb_hits(ctx),
        misses: SSL_CTX_sess_misses(ctx),
        timeouts: SSL_CTX_sess_timeouts(ctx),
        cache_full: SSL_CTX_sess_cache_full(ctx),
      },
    }),
    drain: async () => {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    detach: () => {
      if (typeof client.off === 'function') client.off('error', onClientError);
      try {
        if (SSL_CTX_sess_get_new_cb(ctx) === onNew) SSL_CTX_sess_set_new_cb(ctx, null);
        if (SSL_CTX_sess_get_remove_cb(ctx) === onRemove) SSL_CTX_sess_set_remove_cb(ctx, null);
        if ((SSL_CTX_sess_get_get_cb(ctx) as unknown) === getSession) setAsyncGetSessionCallback(ctx, null);
      } catch {
        // ctx was freed already: nothing of ours is left on it.
      }
    },
  };
}
