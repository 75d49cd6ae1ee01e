// Not OpenSSL API: how the server adapter reads and sets what Node keeps on a TLS server: its
// session id context and session timeout live in its secure context, which only
// server.setSecureContext rebuilds.
import * as tls from 'node:tls';

type ServerWithOptions = tls.Server & Record<string, unknown> & { sessionIdContext?: string };

// The properties Node records on a server from its options and setSecureContext reads.
const SECURE_CONTEXT_KEYS = [
  'pfx',
  'key',
  'passphrase',
  'cert',
  'clientCertEngine',
  'ca',
  'minVersion',
  'maxVersion',
  'secureProtocol',
  'crl',
  'sigalgs',
  'ciphers',
  'ecdhCurve',
  'dhparam',
  'honorCipherOrder',
  'secureOptions',
  'privateKeyIdentifier',
  'privateKeyEngine',
];

/** assertTlsServer throws a TypeError unless `server` is a Node TLS server (tls, https, http2 secure). */
export function assertTlsServer(server: unknown, fn: string): asserts server is tls.Server {
  if (!(server instanceof tls.Server)) {
    const what = server === null ? 'null' : typeof server === 'object' ? (server.constructor?.name ?? 'an object') : typeof server;
    throw new TypeError(`${fn}: expected a TLS server (tls.Server, https.Server or an http2 secure server), got ${what}`);
  }
}

/** A session id context as Node takes it: a string (Node passes its UTF-8 bytes to OpenSSL). */
export function sidCtxString(value: string | Uint8Array): string {
  if (typeof value === 'string') return value;
  if (!(value instanceof Uint8Array)) throw new TypeError('sessionIdContext must be a string or a Uint8Array');
  const s = Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  if (!Buffer.from(s, 'utf8').equals(value))
    throw new RangeError('sessionIdContext: these bytes are not valid UTF-8, and Node takes the id context as a string');
  return s;
}

/** The bytes of a session id context string, checked against SSL_MAX_SID_CTX_LENGTH. */
export function sidCtxBytes(value: string): Buffer {
  const b = Buffer.from(value, 'utf8');
  if (b.length > 32) throw new RangeError(`sessionIdContext is ${b.length} bytes in UTF-8; at most 32 (SSL_MAX_SID_CTX_LENGTH)`);
  return b;
}

/** The session id context Node's server uses now (its default is a hash of process.argv). */
export function serverSessionIdContext(server: tls.Server): string {
  return (server as ServerWithOptions).sessionIdContext ?? '';
}

/** What the adapter keeps the same in Node's secure context and in the cache. */
export interface ServerCacheSettings {
  sessionIdContext: string;
  /** Seconds: Node's sessionTimeout (the lifetime of its tickets), the cache's SSL_CTX_set_timeout. */
  sessionTimeout: number;
}

/**
 * rebuildSecureContext gives the server a new secure context with server.setSecureContext: from
 * `options` when given (a certificate rotation), else from the options the server recorded, plus
 * the cache's settings and the current ticket keys (issued tickets stay valid).
 */
export function rebuildSecureContext(server: tls.Server, settings: ServerCacheSettings, options?: tls.SecureContextOptions): void {
  const s = server as ServerWithOptions;
  const merged: Record<string, unknown> = {};
  if (options === undefined) {
    for (const k of SECURE_CONTEXT_KEYS) if (s[k] !== undefined) merged[k] = s[k];
  } else {
    Object.assign(merged, options);
  }
  if (merged.ticketKeys === undefined) merged.ticketKeys = server.getTicketKeys();
  merged.sessionIdContext = settings.sessionIdContext;
  merged.sessionTimeout = settings.sessionTimeout;
  server.setSecureContext(merged as tls.SecureContextOptions);
}
