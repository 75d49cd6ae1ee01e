// Not OpenSSL API, and not for production: the test clock, scripted randomness, allocation
// failures and introspection. Imported as 'openssl-session-cache/testing'; nothing else in the
// package depends on it.
import { binding } from './binding';
import type { Long, SSL_CTX, SSL_SESSION } from './types';

/**
 * setTestTime makes this environment's cache clock read `t` (whole seconds) wherever
 * OpenSSL would call time(NULL): new sessions, UPDATE_TIME, handshake expiry checks,
 * auto-clear. `null` returns to the wall clock.
 */
export const setTestTime: (t: Long | null) => void = binding.setTestTime;
/**
 * setTestRandom makes the default session-id generator hand out these bytes, cyclically, instead
 * of random ones (to force id clashes in tests); null goes back to the system's random source.
 */
export const setTestRandom: (bytes: Uint8Array | null) => void = binding.setTestRandom;
/**
 * setTestAllocationFailure makes the `n`-th allocation the core attempts from now on (on this
 * thread) fail, as malloc returning NULL would; 0 turns it off. Returns how many allocations the
 * core attempted since the previous call.
 */
export const setTestAllocationFailure: (n: number) => number = binding.setTestAllocationFailure;
/** debugCacheConsistent checks the hash table and the timeout list against each other. */
export const debugCacheConsistent: (ctx: SSL_CTX) => boolean = binding.debugCacheConsistent;
/** debugCacheOrder returns the cached sessions in list order: head (expires last) to tail. */
export const debugCacheOrder: (ctx: SSL_CTX) => SSL_SESSION[] = binding.debugCacheOrder;
/** debugLiveObjects counts native objects whose memory is still allocated, in the whole process. */
export const debugLiveObjects: () => number = binding.debugLiveObjects;
/** What this environment's core holds: see {@link debugRuntimeStats}. */
export interface RuntimeStats {
  /** SSL_CTX, SSL and SSL_SESSION objects whose memory is allocated. */
  objects: number;
  /** 256 KiB chunks of the session pool mapped (up to 4 empty ones are kept). */
  poolChunks: number;
  /** Callbacks the core refused to call because no entry point was running (always 0 unless a bug). */
  strayCallouts: number;
}
/** debugRuntimeStats returns what this environment's core holds. */
export const debugRuntimeStats: () => RuntimeStats = binding.debugRuntimeStats;
/** debugMasterKeyStorage returns the 48 bytes of master key storage of a live session. */
export const debugMasterKeyStorage: (s: SSL_SESSION) => Uint8Array = binding.debugMasterKeyStorage;
