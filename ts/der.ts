// SSL_SESSION on the wire: the DER form OpenSSL writes (i2d_SSL_SESSION /
// d2i_SSL_SESSION, byte-identical with OpenSSL 3.0 both ways, so Node's
// tlsSocket.getSession() bytes decode here and ours resume in Node), PEM,
// SSL_SESSION_print, SSL_SESSION_dup and the fields the DER form carries.
//
// C's pointers, mapped (an out-parameter is an object whose `value` the callee sets):
//   int n = i2d_SSL_SESSION(s, NULL);       const n = i2d_SSL_SESSION(s);
//   unsigned char *p = buf;                 const p = { value: buf };
//   i2d_SSL_SESSION(s, &p);  // p += n      i2d_SSL_SESSION(s, p);  // p.value = buf.subarray(n)
//   unsigned char *q = NULL;                const q = { value: null };
//   i2d_SSL_SESSION(s, &q);  // allocates   i2d_SSL_SESSION(s, q);  // q.value = new Uint8Array(n)
//   const unsigned char *in = der;          const inp = { value: der };
//   s = d2i_SSL_SESSION(NULL, &in, len);    s = d2i_SSL_SESSION(null, inp, len);  // inp.value advanced
//   BIO *b = BIO_new(BIO_s_mem());          const b = { value: '' };
//   SSL_SESSION_print(b, s);                SSL_SESSION_print(b, s);  // text appended to b.value
import type { X509Certificate } from 'node:crypto';
import { binding } from './binding';
import type { Long, Out, SSL_SESSION } from './types';

/**
 * i2d_SSL_SESSION returns the length of the session's DER form, or 0 when it has no cipher.
 * With `pp`: `pp.value` null allocates a Uint8Array of that length into `pp.value`; a
 * Uint8Array gets the bytes written at its start (a RangeError if it is too short) and
 * `pp.value` becomes the rest of it (`subarray(length)`), as C advances `*pp`.
 */
export const i2d_SSL_SESSION: (s: SSL_SESSION, pp?: Out<Uint8Array | null> | null) => number = binding.i2d_SSL_SESSION;
/**
 * d2i_SSL_SESSION decodes one session from `pp.value[0..length)` (`length` defaults to the
 * array's length). On success returns it (a new session with one reference, or `a.value`
 * overwritten in place when that holds a session), stores it in `a.value`, and advances
 * `pp.value` past the bytes read; trailing bytes are not looked at. On bad input returns
 * null with the reason on the error queue, changes nothing, and never reads past `length`.
 * An absent or zero time reads as now (the cache clock), an absent or zero timeout as 3.
 */
export const d2i_SSL_SESSION: (a: Out<SSL_SESSION | null> | null, pp: Out<Uint8Array>, length?: number) => SSL_SESSION | null =
  binding.d2i_SSL_SESSION;
/**
 * PEM_write_SSL_SESSION appends the session as PEM ("-----BEGIN SSL SESSION PARAMETERS-----",
 * base64 in 64-character lines) to `out.value`, standing in for C's FILE; returns 1, or 0
 * with an error queued when the session has no cipher.
 */
export const PEM_write_SSL_SESSION: (out: Out<string>, s: SSL_SESSION) => number = binding.PEM_write_SSL_SESSION;
/** PEM_write_bio_SSL_SESSION: the same, with `out` standing in for a memory BIO. */
export const PEM_write_bio_SSL_SESSION: (out: Out<string>, s: SSL_SESSION) => number = binding.PEM_write_bio_SSL_SESSION;
/**
 * PEM_read_SSL_SESSION reads the first SSL SESSION PARAMETERS block of `input` (other text
 * and other PEM blocks are skipped). `input` is a string or Uint8Array, or `{ value }`
 * holding one, which then advances past the block (as reading a FILE does). `x` is d2i's
 * `a`. `cb` and `u` (C's password callback) are accepted and unused: session PEM is never
 * encrypted. Returns null with PEM_R_NO_START_LINE, PEM_R_BAD_END_LINE, PEM_R_BAD_BASE64_DECODE
 * or the DER error queued.
 */
export const PEM_read_SSL_SESSION: (
  input: string | Uint8Array | Out<string | Uint8Array>,
  x?: Out<SSL_SESSION | null> | null,
  cb?: unknown,
  u?: unknown,
) => SSL_SESSION | null = binding.PEM_read_SSL_SESSION;
/** PEM_read_bio_SSL_SESSION is PEM_read_SSL_SESSION, with `input` standing in for a memory BIO. */
export const PEM_read_bio_SSL_SESSION: typeof PEM_read_SSL_SESSION = binding.PEM_read_bio_SSL_SESSION;
/**
 * SSL_SESSION_print appends OpenSSL 3.0's text for the session to `bp.value` (C's BIO) and
 * returns 1. Like OpenSSL, it stops and returns 0 at an empty PSK identity, PSK identity
 * hint, SRP username or ticket (BIO_printf of nothing counts as a failure there).
 */
export const SSL_SESSION_print: (bp: Out<string>, s: SSL_SESSION) => number = binding.SSL_SESSION_print;

/**
 * SSL_SESSION_dup returns a copy with one reference, not cached, resumable as the source:
 * every field, and the ex_data (new callbacks first, then each slot through its index's dup
 * callback, or shared as is when there is none). Null with an error queued if a dup callback
 * returns 0 or throws (the half-made copy is freed, free callbacks included).
 */
export const SSL_SESSION_dup: (s: SSL_SESSION) => SSL_SESSION | null = binding.SSL_SESSION_dup;

/** SSL_SESSION_get0_hostname returns the SNI hostname, or null. */
export const SSL_SESSION_get0_hostname: (s: SSL_SESSION) => string | null = binding.SSL_SESSION_get0_hostname;
/** SSL_SESSION_set1_hostname stores a copy (up to a NUL, as strdup); null removes it. 1, or 0 out of memory. */
export const SSL_SESSION_set1_hostname: (s: SSL_SESSION, hostname: string | null) => number = binding.SSL_SESSION_set1_hostname;
/** SSL_SESSION_get0_alpn_selected sets `alpn.value` / `len.value` (null / 0 when none) and also returns the bytes. */
export const SSL_SESSION_get0_alpn_selected: (
  s: SSL_SESSION,
  alpn?: Out<Uint8Array | null> | null,
  len?: Out<number> | null,
) => Uint8Array | null = binding.SSL_SESSION_get0_alpn_selected;
/** SSL_SESSION_set1_alpn_selected stores a copy; null or length 0 removes it. 1, or 0 out of memory. */
export const SSL_SESSION_set1_alpn_selected: (s: SSL_SESSION, alpn: Uint8Array | null, len?: number) => number =
  binding.SSL_SESSION_set1_alpn_selected;
/** SSL_SESSION_has_ticket returns 1 if the session carries a non-empty ticket. */
export const SSL_SESSION_has_ticket: (s: SSL_SESSION) => number = binding.SSL_SESSION_has_ticket;
/** SSL_SESSION_get0_ticket sets `tick.value` / `len.value` (null / 0 when none) and also returns the bytes. */
export const SSL_SESSION_get0_ticket: (
  s: SSL_SESSION,
  tick?: Out<Uint8Array | null> | null,
  len?: Out<number> | null,
) => Uint8Array | null = binding.SSL_SESSION_get0_ticket;
/** SSL_SESSION_get_ticket_lifetime_hint returns the hint in seconds (a bigint past 2^53). */
export const SSL_SESSION_get_ticket_lifetime_hint: (s: SSL_SESSION) => Long = binding.SSL_SESSION_get_ticket_lifetime_hint;
/** SSL_SESSION_get_max_early_data returns the session's max_early_data (0 when none). */
export const SSL_SESSION_get_max_early_data: (s: SSL_SESSION) => number = binding.SSL_SESSION_get_max_early_data;
/** SSL_SESSION_set_max_early_data stores the value (as a uint32_t) and returns 1. */
export const SSL_SESSION_set_max_early_data: (s: SSL_SESSION, maxEarlyData: number) => number = binding.SSL_SESSION_set_max_early_data;
/** SSL_SESSION_get0_ticket_appdata sets `data.value` / `len.value` (null / 0 when none) and returns 1. */
export const SSL_SESSION_get0_ticket_appdata: (s: SSL_SESSION, data: Out<Uint8Array | null> | null, len: Out<number> | null) => number =
  binding.SSL_SESSION_get0_ticket_appdata;
/** SSL_SESSION_set1_ticket_appdata stores a copy; null or length 0 removes it. 1, or 0 out of memory. */
export const SSL_SESSION_set1_ticket_appdata: (s: SSL_SESSION, data: Uint8Array | null, len?: number) => number =
  binding.SSL_SESSION_set1_ticket_appdata;
/** SSL_SESSION_get_max_fragment_length returns the negotiated mode (TLSEXT_max_fragment_length_*), 0 (DISABLED) when none was (the stored 255, UNSPECIFIED, reads as 0, as in OpenSSL). */
export const SSL_SESSION_get_max_fragment_length: (s: SSL_SESSION) => number = binding.SSL_SESSION_get_max_fragment_length;
/** SSL_SESSION_get_compress_id returns 0: like Node's OpenSSL (no-comp), d2i ignores the compression field. */
export const SSL_SESSION_get_compress_id: (s: SSL_SESSION) => number = binding.SSL_SESSION_get_compress_id;
/**
 * SSL_SESSION_get0_peer returns a copy of the peer certificate's DER bytes, or null.
 * d2i_SSL_SESSION accepts exactly the certificates OpenSSL's X509 parse accepts, but keeps
 * them as bytes; to read one: `new crypto.X509Certificate(SSL_SESSION_get0_peer(s))`, or
 * {@link sessionGetPeerCertificate}.
 */
export const SSL_SESSION_get0_peer: (s: SSL_SESSION) => Uint8Array | null = binding.SSL_SESSION_get0_peer;

// Not OpenSSL API (OpenSSL 3.0 has no public SSL_SESSION accessor for these; a
// connection reports them through SSL_get_verify_result / SSL_get_extms_support).

/** The `SSL_SESS_FLAG_EXTMS` bit of {@link sessionGetFlags}: the session used the extended master secret. */
export const SESSION_FLAG_EXTMS = 0x1;
/** The session's verify result (X509_V_OK = 0); a new session has 1 (X509_V_ERR_UNSPECIFIED), as OpenSSL's. */
export const sessionGetVerifyResult: (s: SSL_SESSION) => number = binding.sessionGetVerifyResult;
/** sessionSetVerifyResult sets the session's verify result (what i2d_SSL_SESSION writes). */
export const sessionSetVerifyResult: (s: SSL_SESSION, v: number) => void = binding.sessionSetVerifyResult;
/** The session's flags (SESSION_FLAG_EXTMS). */
export const sessionGetFlags: (s: SSL_SESSION) => number = binding.sessionGetFlags;
/** sessionSetFlags sets the session's flags (SESSION_FLAG_EXTMS). */
export const sessionSetFlags: (s: SSL_SESSION, flags: number) => void = binding.sessionSetFlags;
/** The session's DER form (what i2d_SSL_SESSION writes), or null when it has no cipher. */
export const sessionToDer: (s: SSL_SESSION) => Uint8Array | null = binding.sessionToDer;
/** d2i_SSL_SESSION(null, { value: der }, length): a new session, or null with the reason queued. */
export const sessionFromDer: (der: Uint8Array, length?: number) => SSL_SESSION | null = binding.sessionFromDer;

/** The session as PEM text, or null (error queued) when it has no cipher. */
export function sessionToPem(s: SSL_SESSION): string | null {
  const out = { value: '' };
  return PEM_write_SSL_SESSION(out, s) === 1 ? out.value : null;
}

/** The peer certificate parsed by Node (parsing happens here, on demand), or null. */
export function sessionGetPeerCertificate(s: SSL_SESSION): X509Certificate | null {
  const der = SSL_SESSION_get0_peer(s);
  if (der === null) return null;
  const { X509Certificate: X509 } = require('node:crypto') as typeof import('node:crypto');
  return new X509(der);
}
