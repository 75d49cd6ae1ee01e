// The session cache of OpenSSL 3.0's `openssl s_server` (apps/s_server.c), ported line by line to
// this package and run behind a real Node TLS server. The C functions keep their names, their
// order and their messages: the external cache (simple_ssl_session, add_session, get_session,
// del_session, init_session_cache_ctx, free_sessions), the session id context and print_stats.
// What is not about the cache (BIOs, sockets, the -www modes, ...) is Node's tls module.
//
//   node scripts/demo.js s_server [port] [-ext_cache | -no_cache] [-no_ticket] [-tls1_2] [-naccept n]
//
// As s_server: the internal cache (128 sessions) unless -ext_cache (the external cache below) or
// -no_cache; "Reused session-id" for each resumed connection. Then try from another terminal:
//   openssl s_client -connect 127.0.0.1:4433 -reconnect -no_ticket -tls1_2
// The key and certificate are the throwaway pair in examples/certs (s_server's TEST_CERT).
import { constants } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tls from 'node:tls';
import {
  attachSessionCache,
  d2i_SSL_SESSION,
  i2d_SSL_SESSION,
  type Out,
  type SSL,
  type SSL_CTX,
  SSL_CTX_free,
  SSL_CTX_new,
  SSL_CTX_sess_accept,
  SSL_CTX_sess_accept_good,
  SSL_CTX_sess_accept_renegotiate,
  SSL_CTX_sess_cache_full,
  SSL_CTX_sess_cb_hits,
  SSL_CTX_sess_connect,
  SSL_CTX_sess_connect_good,
  SSL_CTX_sess_connect_renegotiate,
  SSL_CTX_sess_get_cache_size,
  SSL_CTX_sess_hits,
  SSL_CTX_sess_misses,
  SSL_CTX_sess_number,
  SSL_CTX_sess_set_cache_size,
  SSL_CTX_sess_set_get_cb,
  SSL_CTX_sess_set_new_cb,
  SSL_CTX_sess_set_remove_cb,
  SSL_CTX_sess_timeouts,
  SSL_CTX_set_session_cache_mode,
  SSL_SESS_CACHE_NO_INTERNAL,
  SSL_SESS_CACHE_OFF,
  SSL_SESS_CACHE_SERVER,
  type SSL_SESSION,
  SSL_SESSION_get_id,
  TLS_server_method,
} from 'openssl-session-cache';

const bio_err = {
  printf: (s: string): void => {
    process.stderr.write(s);
  },
};
const bio_s_out = {
  printf: (s: string): void => {
    process.stdout.write(s);
  },
};

// static int s_server_session_id_context = 1; /* anything will do */
// (C passes the int's bytes: (void *)&s_server_session_id_context, sizeof(int))
const s_server_session_id_context = Buffer.from(Int32Array.of(1).buffer);

/*
 * By default s_server uses an in-memory cache which caches SSL_SESSION
 * structures without any serialisation. This hides some bugs which only
 * become apparent in deployed servers. By implementing a basic external
 * session cache some issues can be debugged using s_server.
 */

interface simple_ssl_session {
  id: Uint8Array;
  idlen: number;
  der: Uint8Array;
  derlen: number;
  next: simple_ssl_session | null;
}

let first: simple_ssl_session | null = null;

function add_session(ssl: SSL, session: SSL_SESSION): number {
  void ssl;
  const idlen: Out<number> = { value: 0 };
  SSL_SESSION_get_id(session, idlen);
  const derlen = i2d_SSL_SESSION(session, null);
  if (derlen <= 0) {
    // i2d_SSL_SESSION returns 0 here where OpenSSL 3.0 returns < 0
    bio_err.printf('Error encoding session\n');
    return 0;
  }

  const id = SSL_SESSION_get_id(session, null).slice(0, idlen.value); // OPENSSL_memdup
  const der = new Uint8Array(derlen); // app_malloc(derlen, "get session buffer")
  const p: Out<Uint8Array | null> = { value: der };

  /* Assume it still works. */
  if (i2d_SSL_SESSION(session, p) !== derlen) {
    bio_err.printf('Unexpected session encoding length\n');
    return 0;
  }

  first = { id, idlen: idlen.value, der, derlen, next: first };
  bio_err.printf('New session added to external cache\n');
  return 0;
}

function get_session(ssl: SSL, id: Uint8Array, idlen: number, do_copy: Out<number>): SSL_SESSION | null {
  void ssl;
  do_copy.value = 0;
  for (let sess = first; sess; sess = sess.next) {
    if (idlen === sess.idlen && Buffer.compare(sess.id, id.subarray(0, idlen)) === 0) {
      const p = { value: sess.der };
      bio_err.printf('Lookup session: cache hit\n');
      return d2i_SSL_SESSION(null, p, sess.derlen);
    }
  }
  bio_err.printf('Lookup session: cache miss\n');
  return null;
}

function del_session(sctx: SSL_CTX, session: SSL_SESSION): void {
  void sctx;
  let prev: simple_ssl_session | null = null;
  const idlen: Out<number> = { value: 0 };
  const id = SSL_SESSION_get_id(session, idlen);
  for (let sess = first; sess; sess = sess.next) {
    if (idlen.value === sess.idlen && Buffer.compare(sess.id, id.subarray(0, idlen.value)) === 0) {
      if (prev) prev.next = sess.next;
      else first = sess.next;
      return; // OPENSSL_free(sess->id); OPENSSL_free(sess->der); OPENSSL_free(sess);
    }
    prev = sess;
  }
}

function init_session_cache_ctx(sctx: SSL_CTX): void {
  SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_NO_INTERNAL | SSL_SESS_CACHE_SERVER);
  SSL_CTX_sess_set_new_cb(sctx, add_session);
  SSL_CTX_sess_set_get_cb(sctx, get_session);
  SSL_CTX_sess_set_remove_cb(sctx, del_session);
}

function free_sessions(): void {
  first = null;
}

function print_stats(bio: typeof bio_s_out, ssl_ctx: SSL_CTX): void {
  const ld = (n: number): string => String(n).padStart(4);
  bio.printf(`${ld(SSL_CTX_sess_number(ssl_ctx))} items in the session cache\n`);
  bio.printf(`${ld(SSL_CTX_sess_connect(ssl_ctx))} client connects (SSL_connect())\n`);
  bio.printf(`${ld(SSL_CTX_sess_connect_renegotiate(ssl_ctx))} client renegotiates (SSL_connect())\n`);
  bio.printf(`${ld(SSL_CTX_sess_connect_good(ssl_ctx))} client connects that finished\n`);
  bio.printf(`${ld(SSL_CTX_sess_accept(ssl_ctx))} server accepts (SSL_accept())\n`);
  bio.printf(`${ld(SSL_CTX_sess_accept_renegotiate(ssl_ctx))} server renegotiates (SSL_accept())\n`);
  bio.printf(`${ld(SSL_CTX_sess_accept_good(ssl_ctx))} server accepts that finished\n`);
  bio.printf(`${ld(SSL_CTX_sess_hits(ssl_ctx))} session cache hits\n`);
  bio.printf(`${ld(SSL_CTX_sess_misses(ssl_ctx))} session cache misses\n`);
  bio.printf(`${ld(SSL_CTX_sess_timeouts(ssl_ctx))} session cache timeouts\n`);
  bio.printf(`${ld(SSL_CTX_sess_cb_hits(ssl_ctx))} callback cache hits\n`);
  bio.printf(`${ld(SSL_CTX_sess_cache_full(ssl_ctx))} cache full overflows (${SSL_CTX_sess_get_cache_size(ssl_ctx)} allowed)\n`);
}

// s_server_main, the parts about the cache; the rest is Node.
function main(argv: string[]): void {
  let port = 4433;
  let no_cache = false;
  let ext_cache = false;
  let no_ticket = false;
  let tls1_2 = false;
  let naccept = -1;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-no_cache') no_cache = true;
    else if (a === '-ext_cache') ext_cache = true;
    else if (a === '-no_ticket') no_ticket = true;
    else if (a === '-tls1_2') tls1_2 = true;
    else if (a === '-naccept') naccept = Number(argv[++i]);
    else if (a === '-port' || a === '-accept') port = Number(argv[++i]);
    else if (/^\d+$/.test(a)) port = Number(a);
    else {
      bio_err.printf(`s_server: unknown option ${a}\n`);
      process.exit(1);
    }
  }

  const certs = path.join(path.dirname(require.resolve('openssl-session-cache/package.json')), 'examples', 'certs');
  const server = tls.createServer({
    key: fs.readFileSync(path.join(certs, 'localhost-key.pem')),
    cert: fs.readFileSync(path.join(certs, 'localhost-cert.pem')),
    ...(tls1_2 ? { maxVersion: 'TLSv1.2' as const } : {}),
    ...(no_ticket ? { secureOptions: constants.SSL_OP_NO_TICKET } : {}),
  });

  const ctx = SSL_CTX_new(TLS_server_method());
  if (no_cache) SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  else if (ext_cache) init_session_cache_ctx(ctx);
  else SSL_CTX_sess_set_cache_size(ctx, 128);

  // SSL_CTX_set_session_id_context(ctx, (void *)&s_server_session_id_context,
  //                                sizeof(s_server_session_id_context)): for Node and ctx at once.
  const adapter = attachSessionCache(server, ctx, { sessionIdContext: s_server_session_id_context });
  adapter.on('error', (e: Error) => bio_err.printf(`${e.message}\n`));

  let accepted = 0;
  server.on('secureConnection', (con: tls.TLSSocket) => {
    accepted++;
    // print_connection_info, the lines about the session
    bio_s_out.printf(`Protocol version: ${con.getProtocol()}\n`);
    bio_s_out.printf(`CIPHER is ${con.getCipher().name}\n`);
    if (con.isSessionReused()) bio_s_out.printf('Reused session-id\n');
    con.on('data', (d: Buffer) => bio_s_out.printf(d.toString('latin1')));
    con.on('error', () => undefined);
    con.on('close', () => {
      bio_s_out.printf('CONNECTION CLOSED\n');
      if (naccept > 0 && accepted >= naccept) shutdown();
    });
    if (naccept > 0 && accepted >= naccept) server.close();
  });
  server.on('tlsClientError', (e: Error) => bio_err.printf(`ERROR\n${e.message}\n`));

  let down = false;
  function shutdown(): void {
    if (down) return;
    down = true;
    print_stats(bio_s_out, ctx);
    adapter.detach();
    server.close();
    SSL_CTX_free(ctx);
    free_sessions();
  }
  process.on('SIGINT', () => {
    shutdown();
    process.exit(0);
  });
  process.on('SIGTERM', () => {
    shutdown();
    process.exit(0);
  });

  server.listen(port, '127.0.0.1', () => {
    const a = server.address();
    bio_s_out.printf(`ACCEPT ${typeof a === 'object' && a ? `${a.address}:${a.port}` : String(port)}\n`);
  });
}

main(process.argv.slice(2));
