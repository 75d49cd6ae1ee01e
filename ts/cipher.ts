// SSL_CIPHER: the cipher suites OpenSSL 3.0 knows (174, SCSVs included), as
// opaque handles, and the cipher of a session. A cipher always surfaces as the
// same handle, so `===` compares ciphers as C compares `const SSL_CIPHER *`.
import { binding } from './binding';
import type { SSL, SSL_SESSION } from './types';

declare const cipherKind: unique symbol;
/** A `const SSL_CIPHER *`: opaque, frozen, one handle per suite. */
export interface SSL_CIPHER {
  readonly [cipherKind]: 'SSL_CIPHER';
}

/**
 * SSL_CIPHER_find returns the cipher whose two-byte wire id is `ptr[0..2)`, or null if
 * OpenSSL 3.0 does not know it. OpenSSL asks `ssl`'s method; here `ssl` may be an SSL or
 * null and is not consulted (every TLS method knows the same suites).
 */
export const SSL_CIPHER_find: (ssl: SSL | null, ptr: Uint8Array) => SSL_CIPHER | null = binding.SSL_CIPHER_find;
/** SSL_CIPHER_get_id returns OpenSSL's id: 0x03000000 | the two-byte wire id. */
export const SSL_CIPHER_get_id: (c: SSL_CIPHER) => number = binding.SSL_CIPHER_get_id;
/** SSL_CIPHER_get_protocol_id returns the two-byte wire id (0x1301 for TLS_AES_128_GCM_SHA256). */
export const SSL_CIPHER_get_protocol_id: (c: SSL_CIPHER) => number = binding.SSL_CIPHER_get_protocol_id;
/** SSL_CIPHER_get_name returns OpenSSL's name ("ECDHE-RSA-AES128-GCM-SHA256"); "(NONE)" for null. */
export const SSL_CIPHER_get_name: (c: SSL_CIPHER | null) => string = binding.SSL_CIPHER_get_name;
/** SSL_CIPHER_standard_name returns the RFC name ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), null for the GOST suites that have none, "(NONE)" for null. */
export const SSL_CIPHER_standard_name: (c: SSL_CIPHER | null) => string | null = binding.SSL_CIPHER_standard_name;
/** SSL_CIPHER_get_version returns the first protocol version of the suite ("TLSv1.3", "TLSv1.2", "TLSv1.0", "SSLv3"); "(NONE)" for null. */
export const SSL_CIPHER_get_version: (c: SSL_CIPHER | null) => string = binding.SSL_CIPHER_get_version;

/** SSL_SESSION_get0_cipher returns the session's cipher, or null (a new session has none). */
export const SSL_SESSION_get0_cipher: (s: SSL_SESSION) => SSL_CIPHER | null = binding.SSL_SESSION_get0_cipher;
/** SSL_SESSION_set_cipher sets the session's cipher and returns 1. A session without one encodes to nothing (i2d_SSL_SESSION returns 0). */
export const SSL_SESSION_set_cipher: (s: SSL_SESSION, cipher: SSL_CIPHER) => number = binding.SSL_SESSION_set_cipher;

/** Not OpenSSL API: the cipher with two-byte id `id` (0x1301) or OpenSSL id (0x03001301), or null. */
export const cipherFromId: (id: number) => SSL_CIPHER | null = binding.cipherFromId;
/** Not OpenSSL API: the cipher with OpenSSL name `name` ("TLS_AES_128_GCM_SHA256", "AES128-SHA"), or null. */
export const cipherFromName: (name: string) => SSL_CIPHER | null = binding.cipherFromName;
