// The statistics oracle at the TLS level: the same scripted `openssl s_client` traffic against
// `openssl s_server -www` (OpenSSL's own internal cache) and against a Node https server with the
// adapter (same cache size, timeout and mode), for TLS 1.2 without and with tickets and for TLS
// 1.3. The SSL_CTX_sess_* numbers, as each server prints them in the page of the last request,
// must agree. Needs the `openssl` command.
import { spawn } from 'node:child_process';
import { constants } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import * as osc from '../..';
import { freePort } from '../../scripts/lib/loopback';

const certs = path.join(__dirname, '..', '..', 'examples', 'certs');
const keyFile = path.join(certs, 'localhost-key.pem');
const certFile = path.join(certs, 'localhost-cert.pem');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'osc-stats-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Scenario {
  name: string;
  server: string[];
  client: string[];
  node: https.ServerOptions;
}
const scenarios: Scenario[] = [
  {
    name: 'TLS 1.2 without tickets',
    server: ['-tls1_2', '-no_ticket'],
    client: ['-tls1_2', '-no_ticket'],
    node: { maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET },
  },
  { name: 'TLS 1.2 with tickets', server: ['-tls1_2'], client: ['-tls1_2'], node: { maxVersion: 'TLSv1.2' } },
  { name: 'TLS 1.3 (tickets)', server: ['-tls1_3'], client: ['-tls1_3'], node: { minVersion: 'TLSv1.3' } },
  // A client that could do TLS 1.3 sends a random legacy session id; the server negotiates 1.2.
  {
    name: 'a TLS 1.2 server, TLS 1.3-capable clients',
    server: ['-tls1_2', '-no_ticket'],
    client: ['-no_ticket'],
    node: { maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET },
  },
];

/** One `openssl s_client` connection that sends GET / and reads the page; resolves to the page. */
function sClient(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost', '-quiet', ...args]);
    let out = '';
    const timer = setTimeout(() => {
      c.kill();
      reject(new Error('s_client hung'));
    }, 20_000);
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.stderr.resume();
    c.on('error', reject);
    c.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    c.stdin.end('GET / HTTP/1.0\r\n\r\n');
  });
}

/** The client traffic: full, resumed twice (by the saved session), full again, then the stats page. */
async function traffic(port: number, client: string[]): Promise<string> {
  const sess = path.join(tmp, `s${port}.pem`);
  await sClient(port, [...client, '-sess_out', sess]);
  await sClient(port, [...client, '-sess_in', sess]);
  await sClient(port, [...client, '-sess_in', sess]);
  await sClient(port, client);
  return sClient(port, client);
}

const FIELDS: [keyof ReturnType<typeof osc.sessionCacheStats>, RegExp][] = [
  ['number', /(\d+) items in the session cache/],
  ['accept', /(\d+) server accepts \(SSL_accept\(\)\)/],
  ['accept_good', /(\d+) server accepts that finished/],
  ['hits', /(\d+) session cache hits/],
  ['misses', /(\d+) session cache misses/],
  ['timeouts', /(\d+) session cache timeouts/],
  ['cb_hits', /(\d+) callback cache hits/],
  ['cache_full', /(\d+) cache full overflows/],
];

function parse(page: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, re] of FIELDS) {
    const m = re.exec(page);
    if (!m) throw new Error(`no "${re.source}" in the page:\n${page.slice(0, 2000)}`);
    out[k] = Number(m[1]);
  }
  return out;
}

// s_server's print_stats, for the Node server's page.
function page(ctx: osc.SSL_CTX): string {
  const s = osc.sessionCacheStats(ctx);
  return [
    `${s.number} items in the session cache`,
    `${s.accept} server accepts (SSL_accept())`,
    `${s.accept_good} server accepts that finished`,
    `${s.hits} session cache hits`,
    `${s.misses} session cache misses`,
    `${s.timeouts} session cache timeouts`,
    `${s.cb_hits} callback cache hits`,
    `${s.cache_full} cache full overflows (${osc.SSL_CTX_sess_get_cache_size(ctx)} allowed)`,
  ].join('\n');
}

async function withSServer(args: string[], client: string[]): Promise<string> {
  const port = await freePort();
  const srv = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${port}`, '-cert', certFile, '-key', keyFile, '-www', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('s_server did not start')), 10_000);
      srv.stdout.on('data', (d: Buffer) => {
        if (/ACCEPT/.test(d.toString())) {
          clearTimeout(timer);
          resolve();
        }
      });
      srv.stderr.resume();
      srv.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`s_server exited (${code})`));
      });
    });
    return await traffic(port, client);
  } finally {
    srv.kill();
  }
}

async function withNode(options: https.ServerOptions, client: string[]): Promise<string> {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const server = https.createServer({ key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile), ...options }, (_req, res) => {
    res.end(page(ctx));
  });
  const adapter = osc.attachSessionCache(server, ctx, { sessionIdContext: 'stats oracle' });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await traffic((server.address() as net.AddressInfo).port, client);
  } finally {
    adapter.detach();
    await new Promise((r) => server.close(r));
    osc.SSL_CTX_free(ctx);
  }
}

for (const sc of scenarios) {
  t.test(`${sc.name}: the adapter counts what s_server counts`, async (t) => {
    const openssl = parse(await withSServer(sc.server, sc.client));
    const ours = parse(await withNode(sc.node, sc.client));
    t.same(ours, openssl, `s_server ${JSON.stringify(openssl)}`);
  });
}
