// Sessions from real Node TLS handshakes (OpenSSL's own DER) against ours:
// every field as OpenSSL reports it, byte-identical re-encoding, and sessions
// we encoded resuming real Node connections.
import t from 'tap';
import * as osc from '..';
import { diffWithOracle } from './der-oracle/compare';
import { derOracle } from './der-oracle/oracle';
import { collectSessions, connect, type Scenario, startServer } from './der-oracle/sessions';

t.test('sessions from real TLS 1.2 / 1.3 handshakes: every field as OpenSSL reports it, same bytes back', async (t) => {
  const captured = await collectSessions();
  const kinds = new Set(captured.map((c) => c.what.replace(/ #\d+$/, '')));
  t.ok(captured.length >= 20, `${captured.length} sessions captured`);
  for (const want of [
    'tls1.2 session ids: server newSession',
    'tls1.2 tickets: client getSession()',
    "tls1.3 tickets: client 'session'",
    'tls1.3 client cert, alpn, sni: server newSession',
    'tls1.2 ids, client cert, alpn, sni: server newSession',
  ]) {
    t.ok(kinds.has(want), `captured: ${want}`);
  }
  let withPeer = 0,
    withTicket = 0,
    tls13 = 0,
    withAlpn = 0,
    withHost = 0;
  for (const { what, der } of captured) {
    const { diffs, ours, theirs } = diffWithOracle(der);
    t.same(diffs, [], `${what} (${der.length} bytes): fields match OpenSSL's`);
    if (!ours) continue;
    t.same(Buffer.from(osc.sessionToDer(ours)!), der, `${what}: re-encodes to Node's bytes`);
    t.same(
      Buffer.from(derOracle().dup(der)!),
      Buffer.from(osc.sessionToDer(osc.SSL_SESSION_dup(ours)!)!),
      `${what}: SSL_SESSION_dup as OpenSSL's`,
    );
    if (theirs.peer) withPeer++;
    if (theirs.hasTicket) withTicket++;
    if (theirs.version === osc.TLS1_3_VERSION) tls13++;
    if (theirs.alpn) withAlpn++;
    if (theirs.hostname) withHost++;
    osc.SSL_SESSION_free(ours);
  }
  // Node's server does not acknowledge SNI in a way that puts the hostname
  // into sessions; hostnames are covered by the setter tests (60-der.ts) and
  // by test/der (OpenSSL's own handshakes with SNI).
  t.ok(
    withPeer > 0 && withTicket > 0 && tls13 > 0 && withAlpn > 0,
    `covered: peer ${withPeer}, ticket ${withTicket}, TLS 1.3 ${tls13}, ALPN ${withAlpn}, hostname ${withHost}`,
  );
});

const tls12: Scenario = { name: 'resume 1.2', version: 'TLSv1.2', tickets: false };
const tls13: Scenario = { name: 'resume 1.3', version: 'TLSv1.3', tickets: true };

t.test('a session we re-encoded resumes against a Node TLS 1.2 server that keeps sessions', async (t) => {
  const { server, port, store } = await startServer(tls12);
  try {
    const first = await connect(tls12, port);
    t.equal(first.reused, false);
    t.equal(store.size, 1, 'the server stored the session (newSession)');
    const s = osc.sessionFromDer(first.final!);
    t.ok(s);
    const ours = osc.sessionToDer(s!)!;
    t.same(Buffer.from(ours), first.final, 'same bytes as Node gave');
    const again = await connect(tls12, port, ours);
    t.equal(again.reused, true, 'isSessionReused() with our DER');
    // Through PEM and back, too.
    const pem = { value: '' };
    t.equal(osc.PEM_write_SSL_SESSION(pem, s!), 1);
    const fromPem = osc.PEM_read_SSL_SESSION(pem.value)!;
    t.equal((await connect(tls12, port, osc.sessionToDer(fromPem)!)).reused, true, 'PEM round trip resumes');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

t.test('a client session built from scratch with our setters resumes', async (t) => {
  const { server, port } = await startServer(tls12);
  try {
    const first = await connect(tls12, port);
    const src = osc.sessionFromDer(first.final!)!;
    // Copy what a client needs through the public accessors only (plus the
    // extended-master-secret flag, which OpenSSL has no public setter for).
    const s = osc.SSL_SESSION_new();
    osc.SSL_SESSION_set_protocol_version(s, osc.SSL_SESSION_get_protocol_version(src));
    osc.SSL_SESSION_set_cipher(s, osc.SSL_SESSION_get0_cipher(src)!);
    osc.SSL_SESSION_set1_id(s, osc.SSL_SESSION_get_id(src));
    const mk = new Uint8Array(48);
    osc.SSL_SESSION_set1_master_key(s, mk, osc.SSL_SESSION_get_master_key(src, mk));
    osc.SSL_SESSION_set_time(s, osc.SSL_SESSION_get_time(src));
    osc.SSL_SESSION_set_timeout(s, osc.SSL_SESSION_get_timeout(src));
    osc.SSL_SESSION_set1_hostname(s, 'localhost');
    osc.sessionSetFlags(s, osc.sessionGetFlags(src));
    osc.sessionSetVerifyResult(s, 0);
    t.equal(osc.sessionGetFlags(s) & osc.SESSION_FLAG_EXTMS, osc.SESSION_FLAG_EXTMS, 'Node negotiates the extended master secret');
    const der = osc.sessionToDer(s)!;
    t.not(Buffer.compare(der, first.final!), 0, "not just a copy of Node's bytes");
    t.equal((await connect(tls12, port, der)).reused, true, 'isSessionReused()');
    // Without the EMS flag OpenSSL refuses to resume (RFC 7627): the field matters.
    osc.sessionSetFlags(s, 0);
    const noEms = await connect(tls12, port, osc.sessionToDer(s)!).catch((e: Error) => e);
    t.ok(noEms instanceof Error || noEms.reused === false, 'no EMS flag: not resumed');
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});

t.test('a TLS 1.3 ticket session we re-encoded resumes', async (t) => {
  const { server, port } = await startServer(tls13);
  try {
    const first = await connect(tls13, port);
    t.ok(first.sessions.length >= 1, 'tickets arrived');
    const s = osc.sessionFromDer(first.sessions[0]!)!;
    t.equal(osc.SSL_SESSION_has_ticket(s), 1);
    t.equal(osc.SSL_SESSION_is_resumable(s), 1);
    t.equal((await connect(tls13, port, osc.sessionToDer(s)!)).reused, true);
  } finally {
    await new Promise<void>((r) => server.close(() => r()));
  }
});
