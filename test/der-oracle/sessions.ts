// Real sessions from real Node TLS handshakes on loopback, as OpenSSL's DER:
// the client's getSession() and 'session' event, the server's 'newSession'.
// The identities are fixed throwaway test certificates (test/fixtures).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';

const fixtures = path.join(__dirname, '..', 'fixtures');
export const serverKey = fs.readFileSync(path.join(fixtures, 'der-server-key.pem'));
export const serverCert = fs.readFileSync(path.join(fixtures, 'der-server-cert.pem'));
export const clientKey = fs.readFileSync(path.join(fixtures, 'der-client-key.pem'));
export const clientCert = fs.readFileSync(path.join(fixtures, 'der-client-cert.pem'));

export interface Captured {
  what: string; // scenario and source, e.g. "tls1.2 no-ticket: server newSession"
  der: Buffer;
}

export interface Scenario {
  name: string;
  version: 'TLSv1.2' | 'TLSv1.3';
  tickets: boolean;
  clientCert?: boolean;
  alpn?: boolean;
  sni?: boolean; // the server answers SNI (then sessions keep the hostname)
  cipher?: string; // TLS 1.2 cipher list
}

export const scenarios: Scenario[] = [
  { name: 'tls1.2 session ids', version: 'TLSv1.2', tickets: false },
  { name: 'tls1.2 tickets', version: 'TLSv1.2', tickets: true },
  { name: 'tls1.2 ids, client cert, alpn, sni', version: 'TLSv1.2', tickets: false, clientCert: true, alpn: true, sni: true },
  { name: 'tls1.2 chacha', version: 'TLSv1.2', tickets: false, cipher: 'ECDHE-ECDSA-CHACHA20-POLY1305' },
  { name: 'tls1.3 tickets', version: 'TLSv1.3', tickets: true },
  { name: 'tls1.3 client cert, alpn, sni', version: 'TLSv1.3', tickets: true, clientCert: true, alpn: true, sni: true },
];

const sniContext = tls.createSecureContext({ key: serverKey, cert: serverCert });

/** A server for scenario `sc` that keeps sessions in a Map (newSession / resumeSession). */
export function startServer(
  sc: Scenario,
  onNew?: (id: Buffer, der: Buffer) => void,
): Promise<{ server: tls.Server; port: number; store: Map<string, Buffer> }> {
  const store = new Map<string, Buffer>();
  const server = tls.createServer(
    {
      key: serverKey,
      cert: serverCert,
      minVersion: sc.version,
      maxVersion: sc.version,
      sessionIdContext: 'der-tests',
      secureOptions: sc.tickets ? 0 : crypto.constants.SSL_OP_NO_TICKET,
      requestCert: !!sc.clientCert,
      rejectUnauthorized: false,
      ...(sc.alpn ? { ALPNProtocols: ['h2', 'http/1.1'] } : {}),
      ...(sc.cipher ? { ciphers: sc.cipher } : {}),
      ...(sc.sni ? { SNICallback: (_name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void) => cb(null, sniContext) } : {}),
    },
    (sock) => {
      sock.on('error', () => {});
      sock.end('hello');
    },
  );
  server.on('newSession', (id: Buffer, der: Buffer, cb: () => void) => {
    store.set(id.toString('hex'), der);
    onNew?.(id, der);
    cb();
  });
  server.on('resumeSession', (id: Buffer, cb: (err: Error | null, data: Buffer | null) => void) => {
    cb(null, store.get(id.toString('hex')) ?? null);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port, store }));
  });
}

export interface ConnectResult {
  reused: boolean;
  sessions: Buffer[]; // 'session' events
  final: Buffer | undefined; // getSession() at the end
}

/** One client connection; resolves once the server closed it. */
export function connect(sc: Scenario, port: number, session?: Uint8Array): Promise<ConnectResult> {
  return new Promise((resolve, reject) => {
    const sessions: Buffer[] = [];
    const sock = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      rejectUnauthorized: false,
      minVersion: sc.version,
      maxVersion: sc.version,
      ...(sc.clientCert ? { key: clientKey, cert: clientCert } : {}),
      ...(sc.alpn ? { ALPNProtocols: ['http/1.1'] } : {}),
      ...(session ? { session: session as Buffer } : {}),
    });
    let reused = false;
    let final: Buffer | undefined;
    sock.on('secureConnect', () => {
      reused = sock.isSessionReused();
    });
    sock.on('session', (s: Buffer) => sessions.push(s));
    sock.on('data', () => {
      final = sock.getSession() ?? final;
    });
    sock.on('end', () => {
      final = sock.getSession() ?? final;
    });
    sock.on('error', reject);
    sock.on('close', () => resolve({ reused, sessions, final }));
  });
}

/** Every session every scenario produces (a first connection and a resumed one each). */
export async function collectSessions(): Promise<Captured[]> {
  const out: Captured[] = [];
  for (const sc of scenarios) {
    const { server, port } = await startServer(sc, (_id, der) => out.push({ what: `${sc.name}: server newSession`, der }));
    const first = await connect(sc, port);
    first.sessions.forEach((der, i) => {
      out.push({ what: `${sc.name}: client 'session' #${i}`, der });
    });
    if (first.final) out.push({ what: `${sc.name}: client getSession()`, der: first.final });
    const resumeWith = first.sessions[first.sessions.length - 1] ?? first.final;
    const second = await connect(sc, port, resumeWith);
    second.sessions.forEach((der, i) => {
      out.push({ what: `${sc.name}: resumed client 'session' #${i}`, der });
    });
    if (second.final) out.push({ what: `${sc.name}: resumed client getSession()`, der: second.final });
    await new Promise<void>((r) => server.close(() => r()));
  }
  return out;
}
