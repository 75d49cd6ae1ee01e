// Native memory follows OpenSSL's lifetime: a program that frees what it creates runs in
// bounded memory even in a synchronous loop that never yields to the event loop (where no
// GC finalizer could run). In a child process, so the RSS readings are its own.

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import t from 'tap';

const CYCLES = Number(process.env.OSC_MEMORY_CYCLES ?? 3_000_000);

t.test(`${CYCLES.toLocaleString('en')} add/remove/flush cycles in one synchronous loop: bounded RSS, given back`, async (t) => {
  const r = spawnSync(
    process.execPath,
    [
      '-e',
      `
    const osc = require('.');
    const testing = require('openssl-session-cache/testing');
    const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
    osc.SSL_CTX_sess_set_cache_size(ctx, 4096);
    const id = Buffer.alloc(32);
    const mb = () => process.memoryUsage.rss() / 1048576;
    // Warm up to the steady state (a full cache), then measure the loop.
    const cycle = (i) => {
      id.writeUInt32LE(i, 0);
      const s = osc.SSL_SESSION_new();
      osc.SSL_SESSION_set1_id(s, id);
      osc.SSL_CTX_add_session(ctx, s);
      osc.SSL_SESSION_free(s);
      if (i % 3 === 0) osc.SSL_CTX_remove_session(ctx, s);
      if (i % 1000 === 999) osc.SSL_CTX_flush_sessions(ctx, Number(osc.getCacheTime()) - 100);
    };
    for (let i = 0; i < 20000; i++) cycle(i);
    const start = mb();
    let peak = start;
    for (let i = 20000; i < 20000 + ${CYCLES}; i++) {
      cycle(i);
      if (i % 100000 === 0) peak = Math.max(peak, mb());
    }
    peak = Math.max(peak, mb());
    const cachedObjects = testing.debugRuntimeStats().objects;
    osc.SSL_CTX_flush_sessions(ctx, 0);
    osc.SSL_CTX_free(ctx);
    const after = testing.debugRuntimeStats();
    console.log(JSON.stringify({ start, peak, end: mb(), cachedObjects, objects: after.objects, chunks: after.poolChunks }));
  `,
    ],
    { cwd: path.join(__dirname, '..'), encoding: 'utf8', timeout: 300_000 },
  );
  t.equal(r.status, 0, r.stderr);
  const v = JSON.parse(r.stdout.trim());
  t.ok(v.cachedObjects <= 4096, `at most a full cache lives (${v.cachedObjects})`);
  t.ok(v.peak - v.start < 100, `RSS grew ${(v.peak - v.start).toFixed(1)} MB during the loop (under 100)`);
  t.equal(v.objects, 0, 'every object gone once freed');
  t.ok(v.chunks <= 4, `the session pool gave its chunks back (${v.chunks} kept, at most 4 spares)`);
  t.ok(v.end <= v.peak + 1, `RSS ${v.end.toFixed(1)} MB after, peak ${v.peak.toFixed(1)} MB: flat or down`);
});
