// A server under load: 100,000 simulated TLS 1.2 handshakes against the
// default 20,480-session cache, with new clients, returning clients (some of
// whose sessions were evicted or expired) and clients proposing unknown ids.
// The statistics must account for every handshake.

import * as testing from 'openssl-session-cache/testing';
import t from 'tap';
import * as osc from '..';

const T0 = 2_000_000;
t.teardown(() => {
  testing.setTestTime(null);
});

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

t.test('100,000 handshakes against a 20,480-session cache add up', async (t) => {
  const N = 100_000;
  const random = rng(12345);
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_set_timeout(ctx, 600);
  osc.SSL_CTX_set_session_id_context(ctx, Buffer.from('sim'));
  let removes = 0;
  let news = 0;
  osc.SSL_CTX_sess_set_remove_cb(ctx, () => {
    removes++;
  });
  osc.SSL_CTX_sess_set_new_cb(ctx, () => {
    news++;
    return 0;
  });

  const remembered: Uint8Array[] = []; // what returning clients kept, a ring
  const RING = 30_000;
  let proposed = 0,
    resumed = 0,
    unknownProposals = 0;
  for (let i = 0; i < N; i++) {
    // A busy first half (100 handshakes a second: the cache fills up and
    // evicts), a quiet second half (5 a second: sessions expire).
    testing.setTestTime(i < N / 2 ? T0 + Math.floor(i / 100) : T0 + 500 + Math.floor((i - N / 2) / 5));
    const roll = random();
    let sessionId: Uint8Array | undefined;
    if (roll < 0.55 && remembered.length > 0) {
      sessionId = remembered[Math.floor(random() * remembered.length)];
    } else if (roll < 0.6) {
      sessionId = Buffer.alloc(32, i & 0xff);
      sessionId[0] = 0xee;
      sessionId[1] = i >>> 8; // never issued by the random generator in practice
      unknownProposals++;
    }
    if (sessionId) proposed++;
    const ssl = osc.SSL_new(ctx);
    const r = osc.simulateServerHandshake(ssl, { sessionId });
    if (r.error !== undefined) t.fail(`handshake ${i} failed: ${r.error}`);
    if (r.resumed) resumed++;
    else {
      const id = osc.SSL_SESSION_get_id(r.session!);
      if (remembered.length < RING) remembered.push(id);
      else remembered[i % RING] = id;
    }
    osc.SSL_shutdown(ssl);
    osc.SSL_free(ssl);
  }
  const st = {
    number: osc.SSL_CTX_sess_number(ctx),
    accept: osc.SSL_CTX_sess_accept(ctx),
    acceptGood: osc.SSL_CTX_sess_accept_good(ctx),
    hits: osc.SSL_CTX_sess_hits(ctx),
    cbHits: osc.SSL_CTX_sess_cb_hits(ctx),
    misses: osc.SSL_CTX_sess_misses(ctx),
    timeouts: osc.SSL_CTX_sess_timeouts(ctx),
    cacheFull: osc.SSL_CTX_sess_cache_full(ctx),
  };
  t.comment(JSON.stringify({ ...st, removes, news, proposed, resumed, unknownProposals }));
  t.equal(st.accept, N, 'every handshake counted');
  t.equal(st.acceptGood, N, 'none failed: accept == accept_good + 0 failures');
  t.equal(st.hits, resumed, 'hits == resumed handshakes');
  t.equal(st.cbHits, 0);
  t.equal(st.hits + st.misses + st.timeouts, proposed, 'every proposed id is a hit, a miss or a timeout');
  t.ok(st.misses >= unknownProposals, 'unknown ids all missed');
  t.ok(st.misses > unknownProposals, 'some returning clients found their session evicted');
  t.ok(st.timeouts > 0, 'some returning clients found their session expired');
  t.equal(news, N - st.hits, 'one new session (and new callback) per full handshake');
  t.ok(st.cacheFull > 0, 'the cache filled up');
  t.ok(st.number <= 20_479, 'a cache of 20,480 keeps at most 20,479 after an add');
  t.ok(removes >= st.cacheFull + st.timeouts, 'evictions, expired lookups, and auto-clear flushes all called back');
  t.equal(st.number, news - removes, 'sessions stored minus sessions removed is what is left');
  t.ok(testing.debugCacheConsistent(ctx));
  osc.SSL_CTX_free(ctx);
  t.equal(removes, news, 'SSL_CTX_free flushed the rest');
});
