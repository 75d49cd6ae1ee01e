// The shared-memory session store's Node-API layer (native/shm_api.cc) on the raw
// addon: round trips, the id context as part of the key, expiry, removal, another
// process attaching by name, refusals, argument errors and stale handles. The store's
// own structure, crash recovery and performance are tested in C++ (test/shm/run.sh).

import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import t from 'tap';

const root = path.join(__dirname, '..');
const addon = require('node-gyp-build')(root);

type Handle = object;
interface Store {
  shmCreate(bytes: number): Handle;
  shmAttach(name: string): Handle;
  shmName(h: Handle): string;
  shmStore(h: Handle, ctx: Uint8Array, id: Uint8Array, der: Uint8Array, expiry: number | bigint, now: number | bigint): string;
  shmLookup(h: Handle, ctx: Uint8Array, id: Uint8Array, now: number | bigint): Uint8Array | null;
  shmRemove(h: Handle, ctx: Uint8Array, id: Uint8Array): number;
  shmFlushExpired(h: Handle, now: number | bigint): number;
  shmStats(h: Handle): Record<string, number>;
  shmDetach(h: Handle): void;
  shmUnlink(name: string): number;
}
const shm = addon as Store;

const NOW = 1_700_000_000;
const ctxA = Buffer.alloc(32, 0xa1);
const ctxB = Buffer.alloc(32, 0xb2);
const id = (n: number): Buffer => crypto.createHash('sha256').update(String(n)).digest();
const der = (n: number, len = 158): Buffer => {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = (n * 31 + i * 7) & 0xff;
  return b;
};

t.test('store, lookup, the id context in the key, expiry, remove, flush, stats', async (t) => {
  const h = shm.shmCreate(1 << 20);
  t.teardown(() => shm.shmUnlink(shm.shmName(h)));
  t.match(shm.shmName(h), /^\/osc-[0-9a-f]{16}$/);
  t.equal(shm.shmStore(h, ctxA, id(1), der(1), NOW + 300, NOW), 'ok');
  t.same(shm.shmLookup(h, ctxA, id(1), NOW), der(1), 'the bytes come back');
  t.equal(shm.shmLookup(h, ctxB, id(1), NOW), null, 'another id context is another key');
  t.equal(shm.shmLookup(h, Buffer.alloc(0), id(1), NOW), null, 'so is the empty one');
  t.equal(shm.shmStore(h, ctxA, id(1), der(2, 200), NOW + 300, NOW), 'ok', 'replace');
  t.same(shm.shmLookup(h, ctxA, id(1), NOW), der(2, 200));
  t.equal(shm.shmLookup(h, ctxA, id(1), NOW + 301), null, 'expired when now > expiry');
  t.equal(shm.shmLookup(h, ctxA, id(1), NOW), null, 'and removed by that lookup');

  t.equal(shm.shmStore(h, ctxA, id(2), der(2), NOW + 10, NOW), 'ok');
  t.equal(shm.shmStore(h, ctxA, id(3), der(3), NOW + 20, NOW), 'ok');
  t.equal(shm.shmStore(h, ctxA, id(4), der(4), NOW - 1, NOW), 'expired', 'already expired: not stored');
  t.equal(shm.shmRemove(h, ctxA, id(2)), 1);
  t.equal(shm.shmRemove(h, ctxA, id(2)), 0);
  t.equal(shm.shmFlushExpired(h, NOW + 21), 1, 'flush removes what expired');
  t.equal(shm.shmStore(h, ctxA, id(5), Buffer.alloc(16385, 1), NOW + 10, NOW), 'too-large');
  t.equal(shm.shmStore(h, ctxA, id(5), der(5), BigInt(NOW) + 10n, BigInt(NOW)), 'ok', 'bigint times');

  const s = shm.shmStats(h);
  t.equal(s.entries, 1);
  t.equal(s.totalBytes, 1 << 20);
  t.equal(s.bytesUsed, s.blocksUsed * 64);
  t.equal(s.removes, 1);
  t.equal(s.expiredRemoved, 2);
  t.equal(s.replaced, 1);
  t.equal(s.hits, 2);
  t.equal(s.misses, 4);
  t.equal(s.recoveries, 0);
  t.equal(s.corruptDropped, 0);
});

t.test('eviction keeps the segment within its size', async (t) => {
  const h = shm.shmCreate(64 * 1024);
  t.teardown(() => shm.shmUnlink(shm.shmName(h)));
  for (let i = 0; i < 1000; i++) t.equal(shm.shmStore(h, ctxA, id(i), der(i), NOW + 300, NOW), 'ok');
  const s = shm.shmStats(h);
  t.ok(s.entries > 200 && s.entries < 260, `${s.entries} sessions of 158 bytes in 64 KiB`);
  t.equal(s.evictions, 1000 - s.entries, 'the oldest went');
  t.ok(s.bytesUsed <= s.totalBytes);
  t.equal(shm.shmLookup(h, ctxA, id(0), NOW), null, 'the first stored is gone');
  t.same(shm.shmLookup(h, ctxA, id(999), NOW), der(999), 'the last is there');
});

t.test('another process attaches by name and shares the entries', async (t) => {
  const h = shm.shmCreate(1 << 20);
  const name = shm.shmName(h);
  t.teardown(() => shm.shmUnlink(name));
  t.equal(shm.shmStore(h, ctxA, id(7), der(7), NOW + 300, NOW), 'ok');
  const script = `
    const shm = require('node-gyp-build')(${JSON.stringify(root)});
    const crypto = require('node:crypto');
    const id = (n) => crypto.createHash('sha256').update(String(n)).digest();
    const h = shm.shmAttach(${JSON.stringify(name)});
    const got = shm.shmLookup(h, Buffer.alloc(32, 0xa1), id(7), ${NOW});
    shm.shmStore(h, Buffer.alloc(32, 0xa1), id(8), Buffer.from('from the child'), ${NOW + 300}, ${NOW});
    process.stdout.write(JSON.stringify({ got: got && Buffer.from(got).toString('hex') }));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: root });
  t.equal(r.status, 0, r.stderr);
  t.same(JSON.parse(r.stdout), { got: der(7).toString('hex') }, "the child read the parent's entry");
  t.same(Buffer.from(shm.shmLookup(h, ctxA, id(8), NOW) ?? []).toString(), 'from the child', "and the parent reads the child's");
});

t.test('refusals and errors', async (t) => {
  t.throws(() => shm.shmAttach('/osc-0000000000000000'), { code: 'ERR_SHM_NOT_FOUND' });
  t.throws(() => shm.shmAttach('no-slash'), { code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => shm.shmAttach(`/${'x'.repeat(40)}`), { code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => shm.shmCreate(100), { code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => shm.shmCreate(2 ** 31), { code: 'ERR_OUT_OF_RANGE' });

  const h = shm.shmCreate(64 * 1024);
  const name = shm.shmName(h);
  t.teardown(() => shm.shmUnlink(name));
  if (process.platform === 'linux') {
    // Readable by others: never trusted.
    const file = path.join('/dev/shm', name.slice(1));
    fs.chmodSync(file, 0o644);
    t.throws(() => shm.shmAttach(name), { code: 'ERR_SHM_BAD_SEGMENT' });
    fs.chmodSync(file, 0o600);
    t.ok(shm.shmAttach(name), 'accepted again at 0600');
    const fd = fs.openSync(file, 'r+');
    fs.ftruncateSync(fd, 32 * 1024);
    fs.closeSync(fd);
    t.throws(() => shm.shmAttach(name), { code: 'ERR_SHM_BAD_SEGMENT' }, 'truncated');
  }

  t.throws(() => shm.shmStore(h, Buffer.alloc(33), id(1), der(1), NOW, NOW), { code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => shm.shmStore(h, ctxA, Buffer.alloc(0), der(1), NOW, NOW), { code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => shm.shmStore(h, ctxA, Buffer.alloc(33), der(1), NOW, NOW), { code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => shm.shmStore(h, ctxA, id(1), Buffer.alloc(0), NOW, NOW), { code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => shm.shmStore(h, ctxA, id(1), der(1), NOW + 0.5, NOW), { code: 'ERR_OUT_OF_RANGE' });
  t.throws(() => shm.shmStore(h, 'ctx' as never, id(1), der(1), NOW, NOW), { code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => shm.shmLookup({} as Handle, ctxA, id(1), NOW), { code: 'ERR_INVALID_ARG_TYPE' });
  t.throws(() => shm.shmLookup(addon.SSL_CTX_new(addon.TLS_method()), ctxA, id(1), NOW), { code: 'ERR_INVALID_ARG_TYPE' });

  // A SharedArrayBuffer-backed key and value are copied, then used.
  const sab = new Uint8Array(new SharedArrayBuffer(158));
  sab.set(der(9));
  t.equal(shm.shmStore(h, ctxA, id(9), sab, NOW + 300, NOW), 'ok');
  t.same(shm.shmLookup(h, ctxA, id(9), NOW), der(9));

  shm.shmDetach(h);
  t.throws(() => shm.shmLookup(h, ctxA, id(9), NOW), { code: 'ERR_USE_AFTER_FREE' });
  t.throws(() => shm.shmDetach(h), { code: 'ERR_USE_AFTER_FREE' });
  t.throws(() => shm.shmName(h), { code: 'ERR_USE_AFTER_FREE' });
  t.equal(shm.shmUnlink(name), 1);
  t.equal(shm.shmUnlink(name), 0);
});

t.test("the cluster segment's name goes when the primary ends, by exit or by a terminating signal", async (t) => {
  const run = (ending: string) => {
    const script = `
      const { sharedSessionSegment } = require(${JSON.stringify(root)});
      const segment = sharedSessionSegment('1m');
      process.stdout.write(segment.name);
      ${ending}
      setTimeout(() => {}, 10000);
    `;
    return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: root, timeout: 20000 });
  };
  const exited = run('process.exit(3);');
  t.equal(exited.status, 3, exited.stderr);
  t.equal(shm.shmUnlink(exited.stdout), 0, 'process.exit: removed');
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
    const r = run(`process.kill(process.pid, '${signal}');`);
    t.equal(r.signal, signal, `${signal}: the process still ends by the signal`);
    t.equal(shm.shmUnlink(r.stdout), 0, `${signal}: removed`);
  }
  const own = run(
    "process.on('SIGTERM', () => { process.stderr.write('own handler'); process.exit(0); }); process.kill(process.pid, 'SIGTERM');",
  );
  t.equal(own.stderr, 'own handler', "the application's SIGTERM handler runs");
  t.equal(own.status, 0);
  t.equal(shm.shmUnlink(own.stdout), 0, 'and its exit removes the name');
  const kept = run(
    "process.on('SIGTERM', () => { process.stdout.write(' alive'); setTimeout(() => process.exit(0), 50); }); process.kill(process.pid, 'SIGTERM');",
  );
  t.match(kept.stdout, / alive$/, 'a handler that keeps the process running');
  t.equal(shm.shmUnlink(kept.stdout.replace(/ alive$/, '')), 0, 'keeps the segment until the exit');
});

t.test('the store counts and names entries that fail the checks of a get answer (undecodable, another id): misses', async (t) => {
  const osc = require(root) as typeof import('..');
  const segment = osc.SharedSessionSegment.create('1m');
  t.teardown(() => {
    segment.close();
    segment.unlink();
  });
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const store = osc.createSharedSessionStore(ctx, { segment, idContext: ctxA });
  const now = Math.floor(Date.now() / 1000);
  const h = segment.mapped();
  // A real session's DER, stored under another id's key.
  const s = osc.SSL_SESSION_new();
  osc.SSL_SESSION_set1_id(s, id(1));
  osc.SSL_SESSION_set_protocol_version(s, osc.TLS1_2_VERSION);
  osc.SSL_SESSION_set_cipher(s, osc.SSL_CIPHER_find(null, Buffer.from([0xc0, 0x2f]))!);
  osc.SSL_SESSION_set1_master_key(s, Buffer.alloc(48, 1));
  const real = Buffer.from(osc.sessionToDer(s)!);
  osc.SSL_SESSION_free(s);
  t.equal(shm.shmStore(h, ctxA, id(2), real, now + 300, now), 'ok');
  t.equal(shm.shmStore(h, ctxA, id(3), der(3), now + 300, now), 'ok');
  t.equal(shm.shmStore(h, ctxA, id(1), real, now + 300, now), 'ok');
  const get = osc.SSL_CTX_sess_get_get_cb(ctx)!;
  const ssl = osc.SSL_new(ctx);
  const ask = (n: number) => get(ssl, id(n), 32, { value: 1 });
  t.equal(ask(2), null, 'another id: a miss');
  t.match(store.stats().lastError, /carries another session id/);
  t.equal(ask(3), null, 'garbage: a miss');
  t.match(store.stats().lastError, /does not decode/);
  const found = ask(1);
  t.not(found, null, 'the right entry: a hit');
  osc.SSL_SESSION_free(found as never);
  t.match(store.stats(), { lookups: 3, hits: 1, misses: 2, invalid: 2 });
  osc.SSL_free(ssl);
  store.detach();
  osc.SSL_CTX_free(ctx);
});

t.test('worker threads started after the first call share the segment', async (t) => {
  const script = `
    const { Worker } = require('node:worker_threads');
    const { sharedSessionSegment } = require(${JSON.stringify(root)});
    const segment = sharedSessionSegment('1m');
    const w = new Worker("process.stdout.write(require(" + JSON.stringify(${JSON.stringify(root)}) + ").sharedSessionSegment().name)", { eval: true });
    w.on('exit', () => process.stdout.write(' ' + segment.name));
  `;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', cwd: root, timeout: 20000 });
  t.equal(r.status, 0, r.stderr);
  const [inThread, inMain] = r.stdout.split(' ');
  t.match(inMain, /^\/osc-[0-9a-f]{16}$/);
  t.equal(inThread, inMain, "the thread attached the main thread's segment");
  t.equal(shm.shmUnlink(inMain), 0, 'removed at exit');
});
