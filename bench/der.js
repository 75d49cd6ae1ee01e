#!/usr/bin/env node
'use strict';
// i2d_SSL_SESSION / d2i_SSL_SESSION cost per session, ours vs real OpenSSL.
//
//   node bench/der.js            JS rows + C++ rows (test/der/run.sh bench)
//   node bench/der.js --no-cxx   JS rows only
//
// Sessions come from real Node TLS handshakes on loopback (OpenSSL's DER):
// the TLS 1.2 server session Node hands to 'newSession' (158 bytes with a
// 32-byte id context, as Node's default), the client's TLS 1.2 session (the
// server certificate inside), and TLS 1.3 client and server sessions (tickets,
// a client certificate). Each implementation runs in a fresh child process,
// 5 trials; the table shows the median nanoseconds per call.
//
// Rows:
//   ours (JS)         sessionFromDer + SSL_SESSION_free; i2d_SSL_SESSION(s, pp)
//                     into a reused buffer; sessionToDer (allocates)
//   OpenSSL (N-API)   Node's OpenSSL through an equally thin test addon
//                     (test/der-oracle): d2i + SSL_SESSION_free; i2d into a buffer
//   same shapes       ours and Node's OpenSSL behind the equally thin wrapper
//                     bench/native/openssl_napi.cc, the same JS on both sides:
//                     SSL_SESSION_free(d2i_SSL_SESSION(null, { value: der }, len));
//                     i2d_SSL_SESSION(s, pp) into a reused buffer (pp.value
//                     advanced); i2d_SSL_SESSION(s, { value: null }) (allocates)
//   ours (C++)        src/der.cc called from C++ (test/der), decode into a fresh
//                     heap object, encode into a buffer
//   OpenSSL (C++)     the system libssl 3.0 from C++ (test/der)
const { execFileSync, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const tls = require('node:tls');

const root = path.join(__dirname, '..');
const TRIALS = 5;

// ---------------------------------------------------------------- child

function time(fn, iters) {
  for (let i = 0; i < Math.min(2000, iters); i++) fn(); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) fn();
  return Number(process.hrtime.bigint() - t0) / iters;
}

function child(impl, file) {
  const sessions = JSON.parse(fs.readFileSync(file, 'utf8')).map((s) => ({ ...s, der: Buffer.from(s.der, 'base64') }));
  const out = {};
  for (const { name, der } of sessions) {
    const iters = der.length > 400 ? 100000 : 300000;
    const buf = new Uint8Array(der.length + 64);
    if (impl === 'ours-napi' || impl === 'openssl-napi') {
      const L =
        impl === 'ours-napi'
          ? require(path.join(root, 'dist', 'binding')).binding
          : require(path.join(__dirname, 'native', 'build', 'Release', 'openssl_napi.node'));
      const s = L.d2i_SSL_SESSION(null, { value: der }, der.length);
      const pp = { value: buf };
      // OpenSSL's d2i parses the certificate: fewer rounds there.
      const dIters = impl === 'openssl-napi' ? Math.max(2000, Math.floor(iters / 20)) : iters;
      out[name] = {
        d2i: time(() => L.SSL_SESSION_free(L.d2i_SSL_SESSION(null, { value: der }, der.length)), dIters),
        i2d: time(() => {
          pp.value = buf;
          L.i2d_SSL_SESSION(s, pp);
        }, iters),
        i2dAlloc: time(() => L.i2d_SSL_SESSION(s, { value: null }), iters),
      };
    } else if (impl === 'ours') {
      const osc = require(root);
      const s = osc.sessionFromDer(der);
      const pp = { value: buf };
      out[name] = {
        d2i: time(() => osc.SSL_SESSION_free(osc.sessionFromDer(der)), iters),
        i2d: time(() => {
          pp.value = buf;
          osc.i2d_SSL_SESSION(s, pp);
        }, iters),
        toDer: time(() => osc.sessionToDer(s), iters),
      };
    } else {
      const oracle = require(path.join(root, 'test', 'der-oracle', 'build', 'Release', 'der_oracle.node'));
      const s = oracle.parse(der);
      const dIters = Math.max(2000, Math.floor(iters / 20)); // OpenSSL's d2i is slower: fewer rounds
      out[name] = {
        d2i: time(() => oracle.d2iFree(der), dIters),
        i2d: time(() => oracle.i2dInto(s, buf), iters),
      };
    }
  }
  process.stdout.write(JSON.stringify(out));
}

// ---------------------------------------------------------------- parent

const fixtures = path.join(root, 'test', 'fixtures');
const read = (f) => fs.readFileSync(path.join(fixtures, f));

async function capture() {
  const key = read('der-server-key.pem');
  const cert = read('der-server-cert.pem');
  const got = {};
  async function run(version, opts, clientOpts, tag) {
    const server = tls.createServer({ key, cert, minVersion: version, maxVersion: version, ...opts }, (s) => {
      s.on('error', () => {});
      s.end('x');
    });
    server.on('newSession', (_id, der, cb) => {
      got[`${tag} server`] ??= der;
      cb();
    });
    server.on('resumeSession', (_id, cb) => cb(null, null));
    await new Promise((r) => server.listen(0, '127.0.0.1', r));
    await new Promise((resolve, reject) => {
      const c = tls.connect({
        host: '127.0.0.1',
        port: server.address().port,
        rejectUnauthorized: false,
        minVersion: version,
        maxVersion: version,
        ...clientOpts,
      });
      c.on('session', (der) => {
        got[`${tag} client`] ??= der;
      });
      c.on('data', () => {});
      c.on('end', () => {
        got[`${tag} client`] ??= c.getSession();
      });
      c.on('error', reject);
      c.on('close', resolve);
    });
    await new Promise((r) => server.close(r));
  }
  await run('TLSv1.2', { sessionIdContext: 'x'.repeat(32), secureOptions: crypto.constants.SSL_OP_NO_TICKET }, {}, 'TLS1.2');
  await run(
    'TLSv1.3',
    { requestCert: true, rejectUnauthorized: false },
    { key: read('der-client-key.pem'), cert: read('der-client-cert.pem') },
    'TLS1.3+client cert',
  );
  return [
    { name: 'TLS1.2 server (newSession)', der: got['TLS1.2 server'] },
    { name: 'TLS1.2 client (peer cert)', der: got['TLS1.2 client'] },
    { name: 'TLS1.3 client (cert+ticket)', der: got['TLS1.3+client cert client'] },
    { name: 'TLS1.3 server (client cert)', der: got['TLS1.3+client cert server'] },
  ].filter((s) => s.der);
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ns) => (ns >= 10000 ? `${(ns / 1000).toFixed(1)} us` : `${Math.round(ns)} ns`);

async function main() {
  const oracleFile = path.join(root, 'test', 'der-oracle', 'build', 'Release', 'der_oracle.node');
  if (!fs.existsSync(oracleFile)) {
    execFileSync('npx', ['--no-install', 'node-gyp', 'rebuild', '--directory', path.join(root, 'test', 'der-oracle')], {
      cwd: root,
      stdio: 'inherit',
    });
  }
  const sessions = await capture();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osc-der-bench-'));
  const file = path.join(dir, 'sessions.json');
  fs.writeFileSync(file, JSON.stringify(sessions.map((s) => ({ name: s.name, der: s.der.toString('base64') }))));
  const napiFile = path.join(__dirname, 'native', 'build', 'Release', 'openssl_napi.node');
  if (!fs.existsSync(napiFile)) {
    execFileSync('npx', ['--no-install', 'node-gyp', 'rebuild', '--directory', path.join(__dirname, 'native')], {
      cwd: root,
      stdio: 'inherit',
    });
  }
  const results = { ours: [], openssl: [], 'ours-napi': [], 'openssl-napi': [] };
  for (let trial = 0; trial < TRIALS; trial++) {
    for (const impl of ['ours', 'openssl', 'ours-napi', 'openssl-napi']) {
      const r = spawnSync(process.execPath, [__filename, '--child', impl, file], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`child ${impl} failed: ${r.stderr}`);
      results[impl].push(JSON.parse(r.stdout));
    }
  }
  const rows = [];
  rows.push(
    '| session | bytes | d2i ours (JS) | d2i OpenSSL (N-API) | speedup | i2d ours (JS) | sessionToDer | i2d OpenSSL (N-API) | speedup |',
  );
  rows.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const { name, der } of sessions) {
    const m = (impl, k) => median(results[impl].map((r) => r[name][k]));
    const od = m('ours', 'd2i'),
      td = m('openssl', 'd2i'),
      oe = m('ours', 'i2d'),
      te = m('openssl', 'i2d');
    rows.push(
      `| ${name} | ${der.length} | ${fmt(od)} | ${fmt(td)} | ${(td / od).toFixed(1)}x | ${fmt(oe)} | ${fmt(m('ours', 'toDer'))} | ${fmt(te)} | ${(te / oe).toFixed(1)}x |`,
    );
  }
  console.log(
    `i2d/d2i per session, median of ${TRIALS} child processes (Node ${process.version}, OpenSSL ${process.versions.openssl}, ${os.cpus()[0]?.model ?? os.arch()})\n`,
  );
  console.log(rows.join('\n'));
  const same = [
    '| session | bytes | d2i ours | d2i OpenSSL | speedup | i2d ours | i2d OpenSSL | speedup | i2d alloc ours | i2d alloc OpenSSL | speedup |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const { name, der } of sessions) {
    const m = (impl, k) => median(results[impl].map((r) => r[name][k]));
    const cell = (k) => {
      const o = m('ours-napi', k),
        t = m('openssl-napi', k);
      return `${fmt(o)} | ${fmt(t)} | ${(t / o).toFixed(1)}x`;
    };
    same.push(`| ${name} | ${der.length} | ${cell('d2i')} | ${cell('i2d')} | ${cell('i2dAlloc')} |`);
  }
  console.log('\nThe same calls and JS on both sides (ours vs bench/native/openssl_napi.cc):\n');
  console.log(same.join('\n'));
  if (!process.argv.includes('--no-cxx')) {
    const files = sessions
      .map((s, i) => {
        const f = path.join(dir, `s${i}.der`);
        fs.writeFileSync(f, s.der);
        return `${s.name}=${f}`;
      })
      .join(':');
    console.log('\nC++ to C++ (test/der/run.sh bench: src/der.cc vs the system libssl 3.0):\n');
    const r = spawnSync('sh', [path.join(root, 'test', 'der', 'run.sh'), 'bench', '2000'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DER_BENCH_FILES: files },
    });
    const lines = (r.stdout || '').split('\n').filter((l) => l.startsWith('bench '));
    console.log(lines.length ? lines.join('\n') : `(test/der/run.sh bench failed: needs g++ and libssl-dev)\n${r.stderr}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

if (process.argv[2] === '--child') child(process.argv[3], process.argv[4]);
else
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
