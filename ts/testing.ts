// Not OpenSSL API: the test clock and introspection for tests.
import { binding } from './binding';
import type { Long, SSL_CTX, SSL_SESSION } from './types';

/**
 * setTestTime makes this environment's cache clock read `t` (whole seconds) wherever
 * OpenSSL would call time(NULL): new sessions, UPDATE_TIME, handshake expiry checks,
 * auto-clear. `null` returns to the wall clock.
 */
export const setTestTime: (t: Long | null) => void = binding.setTestTime;
/** getCacheTime returns what the cache clock reads now. */
export const getCacheTime: () => Long = binding.getCacheTime;
/** debugCacheConsistent checks the hash table and the timeout list against each other. */
export const debugCacheConsistent: (ctx: SSL_CTX) => boolean = binding.debugCacheConsistent;
/** debugCacheOrder returns the cached sessions in list order: head (expires last) to tail. */
export const debugCacheOrder: (ctx: SSL_CTX) => SSL_SESSION[] = binding.debugCacheOrder;
/** debugLiveObjects counts native objects whose memory is still allocated, in the whole process. */
export const debugLiveObjects: () => number = binding.debugLiveObjects;
/** debugMasterKeyStorage returns the 48 bytes of master key storage, also after the session was destroyed (to see the wipe). */
export const debugMasterKeyStorage: (s: SSL_SESSION) => Uint8Array = binding.debugMasterKeyStorage;
