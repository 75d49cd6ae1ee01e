// The oracle checked on its own: hand-written sequences through real OpenSSL
// (test/oracle), asserting the rules this package implements. Where OpenSSL
// disagrees with a rule as first written down, OpenSSL wins: those cases assert
// OpenSSL's behaviour (docs/differences.md lists the facts found that way).
import t from 'tap';
import type { GenSpec, Op, TimeSpec } from './conformance/ops';
import { runOracle } from './conformance/oracle';

const now = (delta: number): TimeSpec => ({ base: 'now', delta });
const abs = (delta: number): TimeSpec => ({ base: 'zero', delta });
const srv: Op = { op: 'ctx_new', server: true };
const rmcb: Op = { op: 'set_remove_cb', ctx: 0, on: true };
const sess = (id: number, extra: Partial<Extract<Op, { op: 'sess_new' }>> = {}): Op => ({
  op: 'sess_new',
  version: 0x0303,
  id,
  sidCtx: 0,
  time: now(0),
  timeout: abs(1500),
  ...extra,
});
const add = (sess: number, ctx = 0): Op => ({ op: 'add', ctx, sess });
const gen = (id: number): GenSpec => ({ ret: 1, id, len: -1 });
const hs = (propose: number, genId: number, extra: Partial<Extract<Op, { op: 'handshake' }>> = {}): Op => ({
  op: 'handshake',
  ctx: 0,
  version: 0x0303,
  propose,
  gen: gen(genId),
  sslSidCtx: -1,
  shutdown: true,
  probe: -1,
  sni: -1,
  ...extra,
});

/** The trace of `ops`, and the lines written by op `i` (its callbacks, errors and stats included). */
function run(ops: Op[]): { trace: string[]; of: (i: number) => string[]; stats: (i: number, c?: number) => string } {
  const { trace } = runOracle(ops);
  const of = (i: number): string[] => {
    const start = trace.findIndex((l) => l.startsWith(`${i} `));
    let end = trace.findIndex((l, j) => j > start && (l.startsWith(`${i + 1} `) || l.startsWith('end ')));
    if (end < 0) end = trace.length;
    return trace.slice(start, end);
  };
  const stats = (i: number, c = 0): string => of(i).find((l) => l.startsWith(`  stats c${c} `)) ?? '';
  return { trace, of, stats };
}
const has = (lines: string[], s: string): boolean => lines.some((l) => l === s);

t.test('eviction keeps N - 1 and counts cache_full before linking', async (t) => {
  const r = run([srv, rmcb, { op: 'set_cache_size', ctx: 0, size: 3 }, sess(1), sess(2), sess(3), sess(4), add(0), add(1), add(2), add(3)]);
  t.match(r.stats(8), / n=2 .* cache_full=0$/);
  t.ok(has(r.of(9), '  remove c0 s0 resumable=0'), 'third add evicts the tail');
  t.match(r.stats(9), / n=2 .* cache_full=1$/);
  t.match(r.stats(10), / n=2 .* cache_full=2$/);
});

t.test('cache size: 0 is unlimited, negative is refused', async (t) => {
  const r = run([
    srv,
    { op: 'set_cache_size', ctx: 0, size: -1 },
    { op: 'set_cache_size', ctx: 0, size: 0 },
    sess(1),
    sess(2),
    add(0),
    add(1),
  ]);
  t.ok(has(r.of(1), '1 set_cache_size c0 -1 -> 0'));
  t.ok(has(r.of(2), '2 set_cache_size c0 0 -> 20480'));
  t.match(r.stats(6), / n=2 /);
});

t.test('remove: callback also for a session that is not cached; none for an empty id', async (t) => {
  const r = run([
    srv,
    rmcb,
    sess(1),
    sess(0),
    { op: 'remove', ctx: 0, sess: 0 },
    { op: 'remove', ctx: 0, sess: 1 },
    { op: 'is_resumable', sess: 0 },
  ]);
  t.same(r.of(4).slice(0, 3), ['4 remove c0 s0', '  remove c0 s0 resumable=0', '4 -> 0']);
  t.same(r.of(5).slice(0, 2), ['5 remove c0 s1', '5 -> 0']);
  t.ok(has(r.of(6), '6 is_resumable s0 -> 0'));
});

t.test('same key, other object: the old entry goes without callback and stays resumable', async (t) => {
  const r = run([srv, rmcb, sess(1), sess(1), add(0), { op: 'sess_free', sess: 0 }, add(1), add(1)]);
  // s0 is now held by the cache only; replacing it destroys it silently.
  t.same(r.of(6), ['6 add c0 s1', '  destroy s0', '6 -> 1', r.stats(6)]);
  t.match(r.stats(6), / n=1 /);
  t.ok(has(r.of(7), '7 -> 0'), 'adding the cached object again returns 0');
  const r2 = run([srv, rmcb, sess(1), sess(1), add(0), add(1), { op: 'is_resumable', sess: 0 }]);
  t.ok(has(r2.of(6), '6 is_resumable s0 -> 1'));
});

t.test('same id, other version: two entries', async (t) => {
  const r = run([srv, sess(1), sess(1, { version: 0x0302 }), add(0), add(1)]);
  t.match(r.stats(4), / n=2 /);
});

t.test('flush: strictly after expiry, from the tail, stops at the first live one', async (t) => {
  const r = run([
    srv,
    rmcb,
    sess(1, { timeout: abs(1500) }),
    sess(2, { timeout: abs(3000) }),
    sess(3, { timeout: abs(1000) }),
    add(0),
    add(1),
    add(2),
    { op: 'flush', ctx: 0, t: now(1500) },
    { op: 'flush', ctx: 0, t: now(1501) },
    { op: 'flush', ctx: 0, t: abs(0) },
  ]);
  t.same(
    r.of(8).filter((l) => l.startsWith('  remove')),
    ['  remove c0 s2 resumable=0'],
  );
  t.same(
    r.of(9).filter((l) => l.startsWith('  remove')),
    ['  remove c0 s0 resumable=0'],
  );
  t.same(
    r.of(10).filter((l) => l.startsWith('  remove')),
    ['  remove c0 s1 resumable=0'],
    't == 0 flushes everything',
  );
});

t.test('equal expiries: the newest (re)insertion sits nearer the head', async (t) => {
  const r = run([srv, rmcb, { op: 'set_cache_size', ctx: 0, size: 3 }, sess(1), sess(2), sess(3), add(0), add(1), add(2)]);
  t.ok(has(r.of(8), '  remove c0 s0 resumable=0'), 'the oldest of equal expiries is the tail');
  // set_time re-sorts a cached session: s0 re-inserted becomes newest among equals.
  const r2 = run([srv, rmcb, sess(1), sess(2), add(0), add(1), { op: 'set_time', sess: 0, t: now(0) }, { op: 'flush', ctx: 0, t: abs(0) }]);
  t.same(
    r2.of(7).filter((l) => l.startsWith('  remove')),
    ['  remove c0 s1 resumable=0', '  remove c0 s0 resumable=0'],
  );
});

t.test('expiry overflow never times out and sorts last', async (t) => {
  const max = (delta: number): TimeSpec => ({ base: 'max', delta });
  const r = run([
    srv,
    rmcb,
    sess(1, { time: max(-10), timeout: abs(304) }),
    sess(2, { time: now(0), timeout: abs(1500) }),
    add(0),
    add(1),
    { op: 'flush', ctx: 0, t: max(0) },
  ]);
  t.same(
    r.of(6).filter((l) => l.startsWith('  remove')),
    ['  remove c0 s1 resumable=0'],
  );
  t.match(r.stats(6), / n=1 /);
  const r2 = run([srv, sess(1, { timeout: abs(-1) }), { op: 'set_timeout', sess: 0, t: abs(-5) }]);
  t.match(r2.of(1)[0], /timeout=-1:0$/, 'a negative timeout is refused');
});

t.test('SSL_CTX_free flushes with the remove callback; up_ref defers it', async (t) => {
  const r = run([srv, rmcb, sess(1), add(0), { op: 'ctx_up_ref', ctx: 0 }, { op: 'ctx_free', ctx: 0 }, { op: 'ctx_free', ctx: 0 }]);
  t.same(
    r.of(5).filter((l) => l.startsWith('  remove')),
    [],
  );
  t.same(r.of(6).slice(0, 2), ['6 ctx_free c0', '  remove c0 s0 resumable=0']);
});

t.test('UPDATE_TIME sets the time on add', async (t) => {
  const r = run([
    srv,
    rmcb,
    { op: 'set_mode', ctx: 0, mode: 0x402 },
    sess(1, { time: now(-5000) }),
    add(0),
    { op: 'flush', ctx: 0, t: now(1000) },
  ]);
  t.same(
    r.of(5).filter((l) => l.startsWith('  remove')),
    [],
    'not expired: its time became now',
  );
  t.ok(has(r.of(2), '2 set_mode c0 1026 -> 2'));
});

t.test('handshakes: new session stored, resumed by id, miss for unknown ids', async (t) => {
  const r = run([srv, { op: 'set_new_cb', ctx: 0, cb: 'drop' }, hs(0, 4), hs(4, 5), hs(1, 5)]);
  t.ok(has(r.of(2), '2 hs_result ok=1 reused=0 sess=s0'));
  t.ok(has(r.of(2), '  new c0 s0 -> 0'));
  t.match(r.stats(2), / n=1 connect=0\/0\/0 accept=1\/1\/0 hits=0 cb_hits=0 misses=0 /);
  t.ok(has(r.of(3), '3 hs_result ok=1 reused=1 sess=s0'));
  t.match(r.stats(3), / accept=2\/2\/0 hits=1 cb_hits=0 misses=0 /);
  t.ok(has(r.of(4), '4 hs_result ok=1 reused=0 sess=s1'));
  t.match(r.stats(4), / n=2 .* hits=1 cb_hits=0 misses=1 /);
});

t.test('handshake: SSL_free of a finished connection not shut down removes its session', async (t) => {
  const r = run([srv, rmcb, hs(0, 4, { shutdown: false })]);
  t.ok(has(r.of(2), '  remove c0 s0 resumable=0'));
  t.match(r.stats(2), / n=0 /);
});

t.test('handshake: expired internal session counts a timeout and is removed', async (t) => {
  const r = run([srv, rmcb, sess(1, { time: now(-5000) }), add(0), hs(1, 4)]);
  t.ok(has(r.of(4), '  remove c0 s0 resumable=0'));
  t.match(r.stats(4), / hits=0 cb_hits=0 misses=0 timeouts=1 /);
});

t.test('handshake: NO_INTERNAL_LOOKUP skips the table and counts no miss', async (t) => {
  const r = run([srv, { op: 'set_mode', ctx: 0, mode: 0x102 }, sess(1), add(0), hs(1, 4)]);
  t.match(r.stats(4), / n=2 .* hits=0 cb_hits=0 misses=0 /);
});

t.test('handshake: get callback, copy 1 and 0, stored unless NO_INTERNAL_STORE', async (t) => {
  const get = (copy: 0 | 1): Op => ({ op: 'set_get_cb', ctx: 0, cb: 'byId', sess: 0, copy });
  const r = run([srv, get(1), sess(1), hs(1, 4)]);
  t.ok(has(r.of(3), '  get c0 id=01 -> s0 copy=1'));
  t.ok(has(r.of(3), '3 hs_result ok=1 reused=1 sess=s0'));
  t.match(r.stats(3), / n=1 .* hits=1 cb_hits=1 misses=1 /);
  const r2 = run([srv, { op: 'set_mode', ctx: 0, mode: 0x202 }, get(0), sess(1), hs(1, 4)]);
  t.match(r2.stats(4), / n=0 .* hits=1 cb_hits=1 misses=1 /);
  t.ok(has(r2.of(4), '  destroy s0'), 'copy 0 handed our only reference over');
});

t.test('handshake: session from the get callback that is non-resumable is ignored', async (t) => {
  const r = run([srv, { op: 'set_get_cb', ctx: 0, cb: 'byId', sess: 0, copy: 1 }, sess(1), { op: 'remove', ctx: 0, sess: 0 }, hs(1, 4)]);
  t.match(r.stats(4), / hits=0 cb_hits=0 misses=1 /);
  t.ok(has(r.of(4), '4 hs_result ok=1 reused=0 sess=s1'));
});

t.test('handshake: version and id context mismatches are misses', async (t) => {
  const r = run([srv, { op: 'set_get_cb', ctx: 0, cb: 'byId', sess: 0, copy: 1 }, sess(1, { version: 0x0302 }), hs(1, 4)]);
  t.match(r.stats(3), / hits=0 cb_hits=1 misses=1 timeouts=0/, 'wrong version from the callback: counted cb hit, not resumed');
  t.ok(has(r.of(3), '3 hs_result ok=1 reused=0 sess=s1'));
  const r2 = run([srv, { op: 'set_sid_ctx', ctx: 0, sidCtx: 1 }, sess(1), add(0), hs(1, 4)]);
  t.ok(has(r2.of(4), '4 hs_result ok=1 reused=0 sess=s1'), 'sid_ctx differs from the connection');
  t.match(r2.stats(4), / hits=0 cb_hits=0 misses=0 /, 'found but rejected: no miss counted');
});

t.test('handshake: SSL_VERIFY_PEER with an empty id context fails once a session is found', async (t) => {
  const r = run([srv, { op: 'set_verify', ctx: 0, peer: true }, sess(1), add(0), hs(1, 4), hs(0, 4)]);
  t.ok(has(r.of(4), '4 hs_result ok=0'));
  t.ok(has(r.of(4), '  err 20:277'));
  t.match(r.stats(4), / n=1 connect=0\/0\/0 accept=1\/0\/0 hits=0 cb_hits=0 misses=0 /);
  t.ok(has(r.of(5), '5 hs_result ok=1 reused=0 sess=s1'), 'no session proposed: full handshake');
  t.match(r.stats(5), / n=1 /, 'the new session is not cached (empty sid_ctx + VERIFY_PEER)');
});

t.test('handshake: session id generation failures', async (t) => {
  const r = run([
    srv,
    hs(0, 1, { gen: { ret: 0, id: 1, len: -1 } }),
    hs(0, 1, { gen: { ret: 1, id: 1, len: 0 } }),
    hs(0, 1, { gen: { ret: 1, id: 4, len: 33 } }),
    hs(0, 1),
    hs(0, 1),
  ]);
  t.ok(has(r.of(1), '  err 20:301'));
  t.ok(has(r.of(2), '  err 20:303'));
  t.ok(has(r.of(3), '  err 20:303'));
  t.ok(has(r.of(4), '4 hs_result ok=1 reused=0 sess=s0'));
  t.ok(has(r.of(5), '  err 20:302'), 'a clashing id fails (no retry with an application callback)');
  t.match(r.stats(5), / n=1 connect=0\/0\/0 accept=5\/1\/0 /);
});

t.test('auto-clear: the 256th handshake flushes expired sessions, not with NO_AUTO_CLEAR', async (t) => {
  const many = (n: number): Op[] => Array.from({ length: n }, (_, i) => hs(0, 1 + (i % 2), { shutdown: false }));
  const expired = sess(3, { time: now(-5000) });
  const r = run([srv, rmcb, expired, add(0), ...many(255), hs(0, 4)]);
  const last = 4 + 255;
  t.ok(has(r.of(last - 1), `  remove c0 s0 resumable=0`) === false);
  t.ok(has(r.of(last), '  remove c0 s0 resumable=0'), 'flushed at the 256th');
  const r2 = run([srv, rmcb, { op: 'set_mode', ctx: 0, mode: 0x82 }, expired, add(0), ...many(255), hs(0, 4)]);
  t.notOk(
    r2.trace.slice(0, -8).some((l) => l === '  remove c0 s0 resumable=0'),
    'NO_AUTO_CLEAR keeps it',
  );
});

t.test('a session with an empty id is never evicted: eviction stops at it', async (t) => {
  const r = run([srv, rmcb, { op: 'set_cache_size', ctx: 0, size: 1 }, sess(0), sess(1), sess(2), add(0), add(1), add(2)]);
  const end = r.trace.indexOf('end ctx_free c0');
  t.same(
    r.trace.slice(0, end).filter((l) => l.startsWith('  remove')),
    [],
    'no eviction',
  );
  t.same(r.trace.slice(end).filter((l) => l.startsWith('  remove')).length, 3, 'but a flush removes empty ids too');
  t.match(r.stats(8), / n=3 .* cache_full=0$/);
});

t.test('a negative session time counts as overflowed: never times out, sorts first', async (t) => {
  for (const time of [abs(-1), abs(-100), { base: 'min', delta: 0 } as TimeSpec]) {
    const r = run([
      srv,
      rmcb,
      sess(1, { time }),
      sess(2, { time: now(0) }),
      add(0),
      add(1),
      { op: 'flush', ctx: 0, t: { base: 'max', delta: 0 } },
    ]);
    t.same(
      r.of(6).filter((l) => l.startsWith('  remove')),
      ['  remove c0 s1 resumable=0'],
      `time ${JSON.stringify(time)}`,
    );
  }
  const r = run([srv, rmcb, sess(1, { time: abs(0), timeout: abs(0) }), add(0), { op: 'flush', ctx: 0, t: abs(1) }]);
  t.ok(has(r.of(4), '  remove c0 s0 resumable=0'), 'time 0 is an ordinary time');
});

t.test('remove(c) with another object of the same key cached: removes that one, marks c', async (t) => {
  const r = run([
    srv,
    rmcb,
    sess(1),
    sess(1),
    add(0),
    { op: 'remove', ctx: 0, sess: 1 },
    { op: 'is_resumable', sess: 0 },
    { op: 'is_resumable', sess: 1 },
  ]);
  t.same(r.of(5).slice(0, 3), ['5 remove c0 s1', '  remove c0 s1 resumable=0', '5 -> 1']);
  t.ok(has(r.of(6), '6 is_resumable s0 -> 1'));
  t.ok(has(r.of(7), '7 is_resumable s1 -> 0'));
  t.match(r.stats(5), / n=0 /);
});

t.test('a fresh connection looks ids up under TLS1_3_VERSION', async (t) => {
  const r = run([
    srv,
    sess(1),
    sess(2, { version: 0x0304 }),
    sess(3, { version: 0x10000 }),
    add(0),
    add(1),
    add(2),
    { op: 'has_matching', ctx: 0, id: 1 },
    { op: 'has_matching', ctx: 0, id: 2 },
    { op: 'has_matching', ctx: 0, id: 3 },
  ]);
  t.ok(has(r.of(7), '7 has_matching c0 01 -> 0'));
  t.ok(has(r.of(8), '8 has_matching c0 02 -> 1'));
  t.ok(has(r.of(9), '9 has_matching c0 0102 -> 0'));
});

t.test('an expired session from the get callback is removed (callback) even under NO_INTERNAL_STORE', async (t) => {
  const r = run([
    srv,
    { op: 'set_mode', ctx: 0, mode: 0x202 },
    rmcb,
    { op: 'set_get_cb', ctx: 0, cb: 'byId', sess: 0, copy: 1 },
    sess(1, { time: now(-5000) }),
    hs(1, 2),
  ]);
  t.same(r.of(5).slice(1, 3), ['  get c0 id=01 -> s0 copy=1', '  remove c0 s0 resumable=0']);
  t.match(r.stats(5), / n=0 .* hits=0 cb_hits=1 misses=1 timeouts=1 /);
});

t.test('a server whose mode lacks SERVER sends (and keeps) an empty id for a new session', async (t) => {
  const r = run([srv, rmcb, { op: 'set_mode', ctx: 0, mode: 0 }, hs(0, 1, { shutdown: false, probe: 1 })]);
  t.ok(has(r.of(3), '  genid c0 -> 1 len=1'), 'the id is generated first');
  t.ok(has(r.of(3), '3 hs_result ok=1 reused=0 sess=s0 probe=0'));
  t.same(
    r.of(3).filter((l) => l.startsWith('  remove')),
    [],
    'SSL_free finds no id to remove',
  );
});

t.test('a negative context timeout is given to new sessions as is (already expired)', async (t) => {
  const r = run([srv, rmcb, { op: 'set_ctx_timeout', ctx: 0, timeout: -5 }, hs(0, 1), hs(1, 2)]);
  t.ok(has(r.of(4), '  remove c0 s0 resumable=0'), 'expired at once: removed on lookup');
  t.match(r.stats(4), / hits=0 cb_hits=0 misses=0 timeouts=1 /);
});

const cli: Op = { op: 'ctx_new', server: false };
const connect = (extra: Partial<Extract<Op, { op: 'connect' }>> = {}): Op => ({
  op: 'connect',
  ctx: 0,
  sess: -1,
  version: 0x0303,
  serverResumes: false,
  serverId: 1,
  shutdown: true,
  ...extra,
});

t.test("connect: the client caches the peer's id, and resumes it when the peer does", async (t) => {
  const r = run([
    cli,
    { op: 'set_mode', ctx: 0, mode: 1 },
    rmcb,
    connect(),
    connect({ sess: 0, serverResumes: true }),
    connect({ sess: 0 }),
  ]);
  t.ok(has(r.of(3), '3 conn_result ok=1 reused=0 sess=s0 id=01'));
  t.match(r.stats(3), / n=1 connect=1\/1\/0 .* misses=0 /);
  t.ok(has(r.of(4), '4 conn_result ok=1 reused=1 sess=s0 id=01'), 'a real resumption');
  t.match(r.stats(4), / n=1 connect=2\/2\/0 .* hits=1 .* misses=0 /);
  t.ok(has(r.of(5), '5 connect c0 v=771 peer=full:02 propose=s0:1'), 'the peer never reuses the offered id');
  t.match(r.stats(5), / n=2 connect=3\/3\/0 .* hits=1 .* misses=1 /, 'not resumed: a miss');
});

t.test('connect: no session proposed outside the version bounds; a fatal alert removes the session', async (t) => {
  const r = run([
    cli,
    { op: 'set_mode', ctx: 0, mode: 1 },
    rmcb,
    sess(1, { version: 0x0302 }),
    add(0),
    connect({ sess: 0, serverResumes: true }),
  ]);
  t.ok(has(r.of(5), '5 conn_result ok=1 reused=0 sess=s1 id=02'), 'a full handshake (the peer takes the other id)');
  t.match(r.stats(5), / misses=0 /, 'a TLS 1.1 session is not proposed at TLS 1.2: no miss');
  const r2 = run([
    cli,
    { op: 'set_mode', ctx: 0, mode: 1 },
    rmcb,
    sess(1, { sidCtx: 1 }),
    add(0),
    connect({ sess: 0, serverResumes: true }),
  ]);
  t.ok(has(r2.of(5), '  remove c0 s0 resumable=0'), "removed by the client's alert");
  t.ok(has(r2.of(5), '  err 20:272'), 'SSL_R_ATTEMPT_TO_REUSE_SESSION_IN_DIFFERENT_CONTEXT');
});

t.test('handshake with sni before it starts: the cache stays with the session context, the counts move', async (t) => {
  const r = run([srv, rmcb, srv, hs(0, 1, { sni: 1 })]);
  t.ok(has(r.of(3), '3 handshake c0 v=771 propose=- sni=c1'));
  t.match(r.stats(3, 0), / n=1 connect=0\/0\/0 accept=0\/0\/0 /, 'the new session is cached in the session context');
  t.match(r.stats(3, 1), / n=0 connect=0\/0\/0 accept=1\/1\/0 /, 'accept and accept_good count on the current context');
});
