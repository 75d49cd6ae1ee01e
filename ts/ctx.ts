// SSL_CTX: methods, lifetime, cache settings, the cache operations, the
// callbacks and the statistics. Each export is the native function itself.
import { binding } from './binding';
import type { GetSessionCallback, Long, NewSessionCallback, RemoveSessionCallback, SSL_CTX, SSL_METHOD, SSL_SESSION } from './types';

/** TLS_method returns the general-purpose TLS method (default session timeout 7200 s). */
export const TLS_method: () => SSL_METHOD = binding.TLS_method;
/** TLS_server_method returns the server-only TLS method. */
export const TLS_server_method: () => SSL_METHOD = binding.TLS_server_method;
/** TLS_client_method returns the client-only TLS method. */
export const TLS_client_method: () => SSL_METHOD = binding.TLS_client_method;

/**
 * SSL_CTX_new returns a context with one reference: cache mode SSL_SESS_CACHE_SERVER,
 * cache size 20480, session timeout 7200, statistics zero.
 */
export const SSL_CTX_new: (method: SSL_METHOD) => SSL_CTX = binding.SSL_CTX_new;
/** SSL_CTX_up_ref adds a reference and returns 1. */
export const SSL_CTX_up_ref: (ctx: SSL_CTX) => number = binding.SSL_CTX_up_ref;
/**
 * SSL_CTX_free drops a reference. At the last one it flushes the whole cache like
 * SSL_CTX_flush_sessions(ctx, 0) (remove callback included), then frees ex_data.
 * `null` does nothing.
 */
export const SSL_CTX_free: (ctx: SSL_CTX | null) => void = binding.SSL_CTX_free;

/** SSL_CTX_set_session_cache_mode stores `mode` as given and returns the previous mode. */
export const SSL_CTX_set_session_cache_mode: (ctx: SSL_CTX, mode: number) => number = binding.SSL_CTX_set_session_cache_mode;
/** SSL_CTX_get_session_cache_mode returns the cache mode (SSL_SESS_CACHE_* bits). */
export const SSL_CTX_get_session_cache_mode: (ctx: SSL_CTX) => number = binding.SSL_CTX_get_session_cache_mode;
/**
 * SSL_CTX_sess_set_cache_size sets the cache size (0 = unlimited) and returns the previous
 * size; a negative size returns 0 and changes nothing. It does not evict by itself.
 */
export const SSL_CTX_sess_set_cache_size: (ctx: SSL_CTX, size: Long) => number = binding.SSL_CTX_sess_set_cache_size;
/** SSL_CTX_sess_get_cache_size returns the cache size (0 = unlimited). */
export const SSL_CTX_sess_get_cache_size: (ctx: SSL_CTX) => number = binding.SSL_CTX_sess_get_cache_size;
/** SSL_CTX_ctrl answers the session commands (SSL_CTRL_SESS_*, SSL_CTRL_[GS]ET_SESS_CACHE_*) and the version bounds (SSL_CTRL_[GS]ET_M{IN,AX}_PROTO_VERSION); 0 for others. */
export const SSL_CTX_ctrl: (ctx: SSL_CTX, cmd: number, larg?: Long, parg?: null) => number = binding.SSL_CTX_ctrl;
/**
 * SSL_CTX_set_timeout sets the timeout given to sessions created afterwards (0 means the
 * method's default) and returns the previous value.
 */
export const SSL_CTX_set_timeout: (ctx: SSL_CTX, t: Long) => Long = binding.SSL_CTX_set_timeout;
/** SSL_CTX_get_timeout returns the timeout given to new sessions, in seconds. */
export const SSL_CTX_get_timeout: (ctx: SSL_CTX) => Long = binding.SSL_CTX_get_timeout;

/**
 * SSL_CTX_add_session adds `c` to the cache, which takes its own reference. It returns 1 for
 * a new entry and 0 if `c` was already cached. A different session with the same
 * (version, id) is dropped silently; a full cache evicts from the tail first (remove
 * callback, cache_full), so a cache of size N keeps at most N - 1 after an add.
 */
export const SSL_CTX_add_session: (ctx: SSL_CTX, c: SSL_SESSION) => number = binding.SSL_CTX_add_session;
/**
 * SSL_CTX_remove_session removes the entry with `c`'s key and returns 1, or 0 if none. It
 * marks `c` non-resumable and calls the remove callback even when nothing was cached;
 * `null` or an empty id returns 0 and does nothing.
 */
export const SSL_CTX_remove_session: (ctx: SSL_CTX, c: SSL_SESSION | null) => number = binding.SSL_CTX_remove_session;
/** SSL_add_session is the older name of SSL_CTX_add_session. */
export const SSL_add_session: (ctx: SSL_CTX, c: SSL_SESSION) => number = binding.SSL_add_session;
/** SSL_remove_session is the older name of SSL_CTX_remove_session. */
export const SSL_remove_session: (ctx: SSL_CTX, c: SSL_SESSION | null) => number = binding.SSL_remove_session;
/**
 * SSL_CTX_flush_sessions removes the sessions expired at `t` (t > time + timeout), from the
 * soonest-expiring up to the first live one; `t` = 0 removes every session. Remove callbacks
 * run first, then the cache's references are dropped. Costs O(sessions removed).
 */
export const SSL_CTX_flush_sessions: (ctx: SSL_CTX, t: Long) => void = binding.SSL_CTX_flush_sessions;

/** SSL_CTX_sess_set_new_cb installs (or with null, removes) the new-session callback. */
export const SSL_CTX_sess_set_new_cb: (ctx: SSL_CTX, cb: NewSessionCallback | null) => void = binding.SSL_CTX_sess_set_new_cb;
/** SSL_CTX_sess_set_remove_cb installs (or with null, removes) the remove-session callback. */
export const SSL_CTX_sess_set_remove_cb: (ctx: SSL_CTX, cb: RemoveSessionCallback | null) => void = binding.SSL_CTX_sess_set_remove_cb;
/** SSL_CTX_sess_set_get_cb installs (or with null, removes) the get-session callback (external cache lookups). */
export const SSL_CTX_sess_set_get_cb: (ctx: SSL_CTX, cb: GetSessionCallback | null) => void = binding.SSL_CTX_sess_set_get_cb;
/** SSL_CTX_sess_get_new_cb returns the new-session callback, or null. */
export const SSL_CTX_sess_get_new_cb: (ctx: SSL_CTX) => NewSessionCallback | null = binding.SSL_CTX_sess_get_new_cb;
/** SSL_CTX_sess_get_remove_cb returns the remove-session callback, or null. */
export const SSL_CTX_sess_get_remove_cb: (ctx: SSL_CTX) => RemoveSessionCallback | null = binding.SSL_CTX_sess_get_remove_cb;
/** SSL_CTX_sess_get_get_cb returns the get-session callback, or null. */
export const SSL_CTX_sess_get_get_cb: (ctx: SSL_CTX) => GetSessionCallback | null = binding.SSL_CTX_sess_get_get_cb;

/** SSL_CTX_sess_number returns the number of cached sessions. */
export const SSL_CTX_sess_number: (ctx: SSL_CTX) => number = binding.SSL_CTX_sess_number;
/** SSL_CTX_sess_connect returns the number of client handshakes started. */
export const SSL_CTX_sess_connect: (ctx: SSL_CTX) => number = binding.SSL_CTX_sess_connect;
/** SSL_CTX_sess_connect_good returns the number of client handshakes completed. */
export const SSL_CTX_sess_connect_good: (ctx: SSL_CTX) => number = binding.SSL_CTX_sess_connect_good;
/** SSL_CTX_sess_connect_renegotiate returns the number of client renegotiations started (always 0 here: nothing renegotiates). */
export const SSL_CTX_sess_connect_renegotiate: (ctx: SSL_CTX) => number = binding.SSL_CTX_sess_connect_renegotiate;
/** SSL_CTX_sess_accept returns the number of server handshakes started. */
export const SSL_CTX_sess_accept: (ctx: SSL_CTX) => number = binding.SSL_CTX_sess_accept;
/** SSL_CTX_sess_accept_good returns the number of server handshakes completed. */
export const SSL_CTX_sess_accept_good: (ctx: SSL_CTX) => number = binding.SSL_CTX_sess_accept_good;
/** SSL_CTX_sess_accept_renegotiate returns the number of server renegotiations started (always 0 here: nothing renegotiates). */
export const SSL_CTX_sess_accept_renegotiate: (ctx: SSL_CTX) => number = binding.SSL_CTX_sess_accept_renegotiate;
/** SSL_CTX_sess_hits returns the number of sessions resumed. */
export const SSL_CTX_sess_hits: (ctx: SSL_CTX) => number = binding.SSL_CTX_sess_hits;
/** SSL_CTX_sess_cb_hits returns the number of sessions the get callback returned. */
export const SSL_CTX_sess_cb_hits: (ctx: SSL_CTX) => number = binding.SSL_CTX_sess_cb_hits;
/** SSL_CTX_sess_misses returns the number of proposed session ids not found in the internal cache (server), or offered sessions not resumed (client). */
export const SSL_CTX_sess_misses: (ctx: SSL_CTX) => number = binding.SSL_CTX_sess_misses;
/** SSL_CTX_sess_timeouts returns the number of sessions found but expired. */
export const SSL_CTX_sess_timeouts: (ctx: SSL_CTX) => number = binding.SSL_CTX_sess_timeouts;
/** SSL_CTX_sess_cache_full returns the number of sessions evicted because the cache was full. */
export const SSL_CTX_sess_cache_full: (ctx: SSL_CTX) => number = binding.SSL_CTX_sess_cache_full;
