// SSL_SESSION: lifetime, key, times and secrets.
import { binding } from './binding';
import type { Long, Out, SSL_SESSION } from './types';

/**
 * SSL_SESSION_new returns a session with one reference, time = now, timeout 304 s, empty id
 * (null, with ERR_R_MALLOC_FAILURE queued, when memory runs out).
 */
export const SSL_SESSION_new: () => SSL_SESSION = binding.SSL_SESSION_new;
/** SSL_SESSION_up_ref adds a reference and returns 1. */
export const SSL_SESSION_up_ref: (s: SSL_SESSION) => number = binding.SSL_SESSION_up_ref;
/**
 * SSL_SESSION_free drops a reference; at zero the ex_data free callbacks run, the secrets are
 * wiped and the memory is released: every handle of the session is stale from then on
 * (ERR_USE_AFTER_FREE). `null` does nothing. Freeing a reference the application does not
 * hold (the rest belong to a cache, an SSL or a running step) throws ERR_REFCOUNT.
 */
export const SSL_SESSION_free: (s: SSL_SESSION | null) => void = binding.SSL_SESSION_free;
/**
 * SSL_SESSION_set1_id sets the session id (`len` defaults to id.length); over 32 bytes it
 * returns 0 with SSL_R_SSL_SESSION_ID_TOO_LONG queued. A cached session is re-keyed in its cache.
 */
export const SSL_SESSION_set1_id: (s: SSL_SESSION, id: Uint8Array, len?: number) => number = binding.SSL_SESSION_set1_id;
/** SSL_SESSION_get_id returns a copy of the id; `len.value` receives its length. */
export const SSL_SESSION_get_id: (s: SSL_SESSION, len?: Out<number> | null) => Uint8Array = binding.SSL_SESSION_get_id;
/** SSL_SESSION_set1_id_context: over 32 bytes returns 0 with SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG. */
export const SSL_SESSION_set1_id_context: (s: SSL_SESSION, sidCtx: Uint8Array, len?: number) => number =
  binding.SSL_SESSION_set1_id_context;
/** SSL_SESSION_get0_id_context returns a copy of the session id context; `len.value` receives its length. */
export const SSL_SESSION_get0_id_context: (s: SSL_SESSION, len?: Out<number> | null) => Uint8Array = binding.SSL_SESSION_get0_id_context;
/** SSL_SESSION_set_time sets the creation time (re-sorting a cached session) and returns `t`. */
export const SSL_SESSION_set_time: <T extends Long>(s: SSL_SESSION, t: T) => T = binding.SSL_SESSION_set_time;
/** SSL_SESSION_get_time returns the time as a number, or a bigint outside ±2^53. */
export const SSL_SESSION_get_time: (s: SSL_SESSION) => Long = binding.SSL_SESSION_get_time;
/** SSL_SESSION_set_timeout: a negative timeout returns 0; else sets it, re-sorts a cached session, returns 1. */
export const SSL_SESSION_set_timeout: (s: SSL_SESSION, t: Long) => number = binding.SSL_SESSION_set_timeout;
/** SSL_SESSION_get_timeout returns the timeout in seconds, as a number, or a bigint outside ±2^53. */
export const SSL_SESSION_get_timeout: (s: SSL_SESSION) => Long = binding.SSL_SESSION_get_timeout;
/** SSL_SESSION_set_protocol_version sets the version (part of the cache key) and returns 1. */
export const SSL_SESSION_set_protocol_version: (s: SSL_SESSION, version: number) => number = binding.SSL_SESSION_set_protocol_version;
/** SSL_SESSION_get_protocol_version returns the session's protocol version (TLS1_2_VERSION, ...). */
export const SSL_SESSION_get_protocol_version: (s: SSL_SESSION) => number = binding.SSL_SESSION_get_protocol_version;
/** SSL_SESSION_is_resumable: 1 if not marked non-resumable and it has an id (or a ticket). */
export const SSL_SESSION_is_resumable: (s: SSL_SESSION) => number = binding.SSL_SESSION_is_resumable;
/** SSL_SESSION_set1_master_key: over 512 bytes (OpenSSL 3.0's buffer, sized for TLS 1.3 PSKs) returns 0. */
export const SSL_SESSION_set1_master_key: (s: SSL_SESSION, key: Uint8Array, len?: number) => number = binding.SSL_SESSION_set1_master_key;
/**
 * SSL_SESSION_get_master_key copies up to `outlen` (default out.length) bytes into `out` and
 * returns the count; with `outlen` 0 it returns the key's length.
 */
export const SSL_SESSION_get_master_key: (s: SSL_SESSION, out: Uint8Array | null, outlen?: number) => number =
  binding.SSL_SESSION_get_master_key;
/**
 * getCacheTime returns what the cache clock reads now (whole seconds): the wall clock, or the
 * value a test set with setTestTime (openssl-session-cache/testing). Not OpenSSL API.
 */
export const getCacheTime: () => Long = binding.getCacheTime;
