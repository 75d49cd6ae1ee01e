// Native memory follows OpenSSL's references; environment teardown leaks
// nothing and calls no JS.
// Each case runs in a child process so its counts are its own.

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import t from 'tap';

const pkg = path.join(__dirname, '..');

function child(code: string, flags: string[] = []) {
  const r = spawnSync(process.execPath, [...flags, '-e', code], { cwd: pkg, encoding: 'utf8', timeout: 60000 });
  return { status: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}

t.test('native memory follows OpenSSL references, not the GC; handles keep their identity', async (t) => {
  const r = child(`
    const osc = require('.');
    const testing = require('openssl-session-cache/testing');
    const base = testing.debugLiveObjects();
    let ctx = osc.SSL_CTX_new(osc.TLS_method());
    const kept = [];
    for (let i = 0; i < 1000; i++) {
      const s = osc.SSL_SESSION_new();
      osc.SSL_SESSION_set1_id(s, Buffer.from('id' + i));
      osc.SSL_CTX_add_session(ctx, s);
      osc.SSL_SESSION_free(s);
      if (i < 10) kept.push(s);  // reachable handles of sessions only the cache holds
    }
    for (let i = 0; i < 1000; i++) osc.SSL_SESSION_free(osc.SSL_SESSION_new());
    const afterFree = testing.debugLiveObjects() - base;
    const order = testing.debugCacheOrder(ctx);
    const same = kept.every((s) => order.includes(s));
    const seen = new Set();
    osc.SSL_CTX_sess_set_remove_cb(ctx, (c, s) => { seen.add(s); });
    osc.SSL_CTX_flush_sessions(ctx, 0);
    const afterFlush = testing.debugLiveObjects() - base;
    let stale = 0;
    for (const s of kept) { try { osc.SSL_SESSION_get_time(s); } catch (e) { if (e.code === 'ERR_USE_AFTER_FREE') stale++; } }
    osc.SSL_CTX_free(ctx);
    const freedButReachable = testing.debugLiveObjects() - base;
    let ctxStale = false;
    try { osc.SSL_CTX_sess_number(ctx); } catch (e) { ctxStale = e.code === 'ERR_USE_AFTER_FREE'; }
    console.log(JSON.stringify({ afterFree, same, seen: seen.size, afterFlush, stale, freedButReachable, ctxStale }));
  `);
  t.equal(r.status, 0, r.err);
  const v = JSON.parse(r.out.trim());
  t.equal(v.afterFree, 1001, 'the context and its 1000 cached sessions; freed ones are gone at once, no GC needed');
  t.ok(v.same, 'a live session surfaces as the handle JS already holds');
  t.equal(v.seen, 1000, 'one handle per session in the remove callbacks');
  t.equal(v.afterFlush, 1, 'flushed sessions are destroyed at the flush, reachable handles or not');
  t.equal(v.stale, 10, 'their handles are stale: ERR_USE_AFTER_FREE');
  t.equal(v.freedButReachable, 0, 'a freed context is gone while its handle is still reachable');
  t.ok(v.ctxStale, 'and its handle is stale');
});

t.test('process exit with live objects and callbacks set: no callback runs, clean exit', async (t) => {
  // 20,000 sessions span many pool chunks: teardown walks them all.
  const r = child(`
    const osc = require('.');
    const ctx = osc.SSL_CTX_new(osc.TLS_method());
    osc.SSL_CTX_sess_set_cache_size(ctx, 0);
    osc.SSL_CTX_sess_set_remove_cb(ctx, () => console.log('REMOVE CALLED'));
    const idx = osc.SSL_SESSION_get_ex_new_index(0, null, null, null, () => console.log('FREE CALLED'));
    for (let i = 0; i < 20000; i++) {
      const s = osc.SSL_SESSION_new();
      osc.SSL_SESSION_set_ex_data(s, idx, i);
      osc.SSL_SESSION_set1_id(s, Buffer.from('k' + i));
      osc.SSL_CTX_add_session(ctx, s);
      if (i % 2) osc.SSL_SESSION_free(s);
    }
    console.log('done');
  `);
  t.equal(r.status, 0, r.err);
  t.equal(r.out.trim(), 'done');
});

t.test('worker termination frees everything the worker made, calling no JS', async (t) => {
  const r = child(`
    const { Worker } = require('node:worker_threads');
    const osc = require('.');
    const testing = require('openssl-session-cache/testing');
    const base = testing.debugLiveObjects();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const src = \`
      const { workerData, parentPort } = require('node:worker_threads');
      const osc = require(workerData.pkg);
      const testing = require(workerData.pkg + '/dist/testing');
      const flag = new Int32Array(workerData.sab);
      const ctx = osc.SSL_CTX_new(osc.TLS_method());
      osc.SSL_CTX_sess_set_remove_cb(ctx, () => Atomics.add(flag, 0, 1));
      const idx = osc.SSL_SESSION_get_ex_new_index(0, null, null, null, () => Atomics.add(flag, 0, 1000));
      for (let i = 0; i < 500; i++) {
        const s = osc.SSL_SESSION_new();
        osc.SSL_SESSION_set_ex_data(s, idx, { i });
        osc.SSL_SESSION_set1_id(s, Buffer.from('w' + i));
        osc.SSL_CTX_add_session(ctx, s);
        if (i % 2) osc.SSL_SESSION_free(s);
      }
      parentPort.postMessage(testing.debugLiveObjects());
      setInterval(() => {}, 1000);
    \`;
    let rounds = 0, peak = 0;
    const run = () => {
      const w = new Worker(src, { eval: true, workerData: { pkg: process.cwd(), sab: flag.buffer } });
      w.on('message', (n) => { peak = Math.max(peak, n); w.terminate(); });
      w.on('exit', () => {
        if (++rounds < 5) return run();
        console.log(JSON.stringify({ peak: peak - base, after: testing.debugLiveObjects() - base, calls: flag[0] }));
      });
    };
    run();
  `);
  t.equal(r.status, 0, r.err);
  const v = JSON.parse(r.out.trim());
  t.ok(v.peak >= 501, 'the worker had its objects');
  t.equal(v.after, 0, 'all freed at each termination');
  t.equal(v.calls, 0, 'no callback ran during teardown');
});

// The worker is stopped wherever it happens to be: inside a native call, a
// callback, a handshake or the DER codec. Node-API calls fail from then on,
// and nothing half-made may be kept (CI once crashed here at teardown).
t.test('workers terminated at random points of cache work end cleanly, every time', async (t) => {
  const rounds = 60;
  const r = child(`
    const { Worker } = require('node:worker_threads');
    const osc = require('.');
    const src = \`
      const { workerData, parentPort } = require('node:worker_threads');
      const osc = require(workerData.pkg);
      const idx = osc.SSL_SESSION_get_ex_new_index(0, null, null, null, () => {});
      let n = 0;
      function work() {
        const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
        osc.SSL_CTX_sess_set_new_cb(ctx, (ssl, s) => { osc.SSL_SESSION_set_ex_data(s, idx, { n }); return 0; });
        osc.SSL_CTX_sess_set_remove_cb(ctx, (c, s) => { osc.SSL_SESSION_get_ex_data(s, idx); });
        osc.SSL_CTX_sess_set_cache_size(ctx, 8);
        for (let i = 0; i < 20; i++) {
          const s = osc.SSL_SESSION_new();
          osc.SSL_SESSION_set1_id(s, Buffer.from('t' + (n++)));
          osc.SSL_SESSION_set_cipher(s, osc.SSL_CIPHER_find(null, Buffer.from([0xc0, 0x2f])));
          osc.SSL_SESSION_set_ex_data(s, idx, [i]);
          osc.SSL_CTX_add_session(ctx, s);
          const copy = osc.sessionFromDer(osc.sessionToDer(s));
          if (copy) osc.SSL_SESSION_free(copy);
          osc.SSL_SESSION_free(s);
        }
        const ssl = osc.SSL_new(ctx);
        const hs = osc.simulateServerHandshake(ssl, { sessionId: Buffer.from('t' + (n - 1)) });
        if (hs.session) osc.SSL_SESSION_get_id(hs.session);
        osc.SSL_free(ssl);
        osc.SSL_CTX_flush_sessions(ctx, 0x7fffffff);
        osc.SSL_CTX_free(ctx);
      }
      work();
      parentPort.postMessage('working');
      for (;;) work();
    \`;
    let done = 0;
    const bad = [];
    const run = () => {
      const w = new Worker(src, { eval: true, workerData: { pkg: process.cwd() } });
      w.on('error', (e) => bad.push(String(e)));
      w.once('message', () => setTimeout(() => w.terminate(), Math.random() * 20));
      w.on('exit', (code) => {
        if (code !== 1) bad.push('exit code ' + code);
        if (++done < ${rounds}) return run();
        const ctx = osc.SSL_CTX_new(osc.TLS_method());  // the main thread's copy still works
        osc.SSL_CTX_free(ctx);
        console.log(JSON.stringify({ done, bad }));
      });
    };
    run();
  `);
  t.equal(r.signal, null, `no crash (stderr: ${r.err.slice(-500)})`);
  t.equal(r.status, 0, r.err);
  const v = JSON.parse(r.out.trim() || '{}');
  t.equal(v.done, rounds, `${rounds} workers ran and were terminated`);
  t.same(v.bad, [], 'each ended by terminate() (exit code 1), with no error event');
});
