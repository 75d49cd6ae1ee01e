#!/usr/bin/env node
// Resumed TLS handshakes per second through attachSessionCache, beside a plain Map store on
// Node's 'newSession'/'resumeSession' events and beside full handshakes, on this machine, in
// one run. Not a test: it prints a table.
//
//   npm run bench:tls                       # 3 trials x 2 s per scenario, 8 connections in flight
//   node bench/tls-resume.js --seconds 5 --trials 5 --concurrency 16
//
// Each trial of each scenario runs in a fresh child process (a server and its clients on
// 127.0.0.1 in that process, so each handshake's client and server halves share one thread);
// trials go round-robin over the scenarios and the median is reported, so a machine whose load
// changes affects every scenario alike. TLS 1.2, no tickets: every resumption is a session-id
// resumption answered by the store under test. A last line measures the adapter alone (its
// event handlers driven without TLS). Needs the package built (npm install / npm run rebuild).
'use strict';
const { spawnSync } = require('node:child_process');
const { constants } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const tls = require('node:tls');

const root = path.join(__dirname, '..');
const certs = path.join(root, 'examples', 'certs');

const SCENARIOS = {
  full: 'full handshakes (no session offered)',
  map: 'resumed: plain Map on newSession/resumeSession',
  adapter: 'resumed: attachSessionCache (internal cache)',
  'adapter-ext': 'resumed: attachSessionCache, NO_INTERNAL + external Map (s_server -ext_cache style)',
};

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

async function child(scenario, seconds, concurrency) {
  const osc = require(root);
  const key = fs.readFileSync(path.join(certs, 'localhost-key.pem'));
  const cert = fs.readFileSync(path.join(certs, 'localhost-cert.pem'));
  const server = tls.createServer({
    key,
    cert,
    maxVersion: 'TLSv1.2',
    secureOptions: constants.SSL_OP_NO_TICKET,
    sessionIdContext: 'bench',
  });
  server.on('secureConnection', (s) => {
    s.on('error', () => {});
    s.end();
  });
  server.on('tlsClientError', () => {});
  let ctx = null;
  let adapter = null;
  if (scenario === 'map') {
    const store = new Map();
    server.on('newSession', (id, data, done) => {
      store.set(id.toString('hex'), data);
      done();
    });
    server.on('resumeSession', (id, cb) => {
      cb(null, store.get(id.toString('hex')) || null);
    });
  } else if (scenario === 'adapter' || scenario === 'adapter-ext') {
    ctx = osc.SSL_CTX_new(osc.TLS_server_method());
    if (scenario === 'adapter-ext') {
      const store = new Map();
      osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_SERVER | osc.SSL_SESS_CACHE_NO_INTERNAL);
      osc.SSL_CTX_sess_set_new_cb(ctx, (_ssl, s) => {
        store.set(Buffer.from(osc.SSL_SESSION_get_id(s)).toString('hex'), osc.sessionToDer(s));
        return 0;
      });
      osc.SSL_CTX_sess_set_get_cb(ctx, (_ssl, id, len, copy) => {
        const der = store.get(Buffer.from(id.subarray(0, len)).toString('hex'));
        if (!der) return null;
        copy.value = 0;
        return osc.d2i_SSL_SESSION(null, { value: der }, der.length);
      });
    }
    adapter = osc.attachSessionCache(server, ctx, { sessionIdContext: 'bench' });
    adapter.on('error', (e) => {
      console.error(e.message);
    });
  }
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const port = server.address().port;

  const connectOnce = (session) =>
    new Promise((resolve) => {
      const c = tls.connect({ host: '127.0.0.1', port, ca: cert, servername: 'localhost', maxVersion: 'TLSv1.2', session });
      let got = null;
      let reused = false;
      c.on('session', (s) => {
        got = s;
      });
      c.on('secureConnect', () => {
        reused = c.isSessionReused();
        c.end();
      });
      c.on('data', () => {});
      c.on('error', () => {});
      c.on('close', () => resolve({ reused, session: got }));
    });

  let session;
  if (scenario !== 'full') {
    session = (await connectOnce()).session;
    if (!session) throw new Error('no session to resume');
  }
  let done = 0;
  let reusedCount = 0;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const r = await connectOnce(session);
      done++;
      if (r.reused) reusedCount++;
    }
  };
  // Warm up, then measure.
  const warm = Date.now() + 500;
  while (Date.now() < warm) await connectOnce(session);
  const t0 = process.hrtime.bigint();
  const workers = Array.from({ length: concurrency }, worker);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  stop = true;
  await Promise.all(workers);
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const stats = adapter ? adapter.stats() : null;
  if (adapter) adapter.detach();
  server.close();
  if (ctx) osc.SSL_CTX_free(ctx);
  process.stdout.write(`${JSON.stringify({ scenario, handshakes: done, reused: reusedCount, elapsed, stats })}\n`);
}

// The adapter's own cost per resumed connection: its 'connection', 'resumeSession' and
// 'secureConnection' handlers driven on a stand-in server, with a real session's DER.
async function micro() {
  const { EventEmitter } = require('node:events');
  const osc = require(root);
  const key = fs.readFileSync(path.join(certs, 'localhost-key.pem'));
  const cert = fs.readFileSync(path.join(certs, 'localhost-cert.pem'));
  const server = tls.createServer(
    { key, cert, maxVersion: 'TLSv1.2', secureOptions: constants.SSL_OP_NO_TICKET, sessionIdContext: 'bench' },
    (s) => s.end(),
  );
  let id;
  let der;
  server.on('newSession', (i, d, done) => {
    id = i;
    der = d;
    done();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  await new Promise((r) => {
    const c = tls.connect({ host: '127.0.0.1', port: server.address().port, ca: cert, servername: 'localhost', maxVersion: 'TLSv1.2' });
    c.on('data', () => {});
    c.on('close', r);
  });
  server.close();
  const fake = new EventEmitter();
  fake.sessionIdContext = 'bench';
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const adapter = osc.attachSessionCache(fake, ctx);
  fake.emit('newSession', id, der, () => {});
  const socket = { isSessionReused: () => true, getProtocol: () => 'TLSv1.2', getSession: () => der };
  const store = new Map([[id.toString('hex'), der]]);
  const time = (n, fn) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    return Number(process.hrtime.bigint() - t0) / n / 1000;
  };
  const viaAdapter = () => {
    fake.emit('connection');
    fake.emit('resumeSession', id, () => {});
    fake.emit('secureConnection', socket);
  };
  const viaMap = () => {
    store.get(id.toString('hex'));
  };
  time(2000, viaAdapter);
  time(2000, viaMap);
  const a = time(20000, viaAdapter);
  const m = time(20000, viaMap);
  if (adapter.stats().hits < 20000) throw new Error('the stand-in lookups did not resume');
  adapter.detach();
  osc.SSL_CTX_free(ctx);
  process.stdout.write(`${JSON.stringify({ adapter: a, map: m })}\n`);
}

function runChild(args) {
  const r = spawnSync(process.execPath, [__filename, ...args], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
    process.exit(1);
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function main() {
  const seconds = arg('seconds', 2);
  const trials = arg('trials', 3);
  const concurrency = arg('concurrency', 8);
  const os = require('node:os');
  console.log(
    `node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} x${os.cpus().length}, ` +
      `${trials} trials x ${seconds} s per scenario (median), ${concurrency} connections in flight, TLS 1.2, no tickets\n`,
  );
  const results = Object.fromEntries(Object.keys(SCENARIOS).map((k) => [k, []]));
  for (let t = 0; t < trials; t++) {
    for (const scenario of Object.keys(SCENARIOS)) {
      results[scenario].push(runChild(['--child', scenario, '--seconds', String(seconds), '--concurrency', String(concurrency)]));
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.floor(s.length / 2)];
  };
  const rate = (k) => median(results[k].map((r) => r.handshakes / r.elapsed));
  const fullRate = rate('full');
  const w = Math.max(...Object.values(SCENARIOS).map((s) => s.length));
  console.log(`${'scenario'.padEnd(w)}  handshakes/s  resumed  vs full`);
  console.log(`${'-'.repeat(w)}  ------------  -------  -------`);
  for (const k of Object.keys(SCENARIOS)) {
    const all = results[k].reduce((a, r) => a + r.handshakes, 0);
    const reused = results[k].reduce((a, r) => a + r.reused, 0);
    const pct = all ? `${((100 * reused) / all).toFixed(0)}%` : '-';
    console.log(
      `${SCENARIOS[k].padEnd(w)}  ${rate(k).toFixed(0).padStart(12)}  ${pct.padStart(7)}  ${(rate(k) / fullRate).toFixed(2).padStart(6)}x`,
    );
  }
  const m = runChild(['--micro']);
  console.log(`\nthe adapter alone, per resumed connection (no TLS): ${m.adapter.toFixed(1)} us; a Map lookup: ${m.map.toFixed(2)} us`);
}

if (process.argv[2] === '--micro') {
  micro().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else if (process.argv[2] === '--child') {
  child(process.argv[3], arg('seconds', 3), arg('concurrency', 8)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  main();
}
