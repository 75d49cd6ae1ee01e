// End to end: node:cluster workers, each a TLS 1.2 server with its own SSL_CTX cache
// (attachSessionCache), behind the primary's round-robin balancer on loopback. A client makes a
// full handshake, then reconnects with that session; the cluster hands the reconnection to
// another worker. With the Redis store behind every worker's cache those reconnections resume
// (isSessionReused()); without it they cannot. Both rates are printed.
import t from 'tap';
import { connect, startCluster, stats, stopCluster } from '../cluster-harness';
import { RedisServer } from './redis/harness';

const WORKERS = 3;
const CLIENTS = 30;

interface Outcome {
  first: string;
  second: string;
  reused: boolean;
}

let redis: RedisServer;
t.before(async () => {
  redis = await RedisServer.start();
});
t.teardown(async () => {
  await redis?.kill();
});

async function run(port: number, clients = CLIENTS): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (let i = 0; i < clients; i++) {
    const a = await connect(port);
    if (!a.session) throw new Error('no session from the first handshake');
    const b = await connect(port, a.session);
    out.push({ first: a.worker, second: b.worker, reused: b.reused });
  }
  return out;
}

function rate(outcomes: Outcome[]): { moved: number; resumed: number; rate: number } {
  const moved = outcomes.filter((o) => o.first !== o.second);
  const resumed = moved.filter((o) => o.reused).length;
  return { moved: moved.length, resumed, rate: moved.length ? resumed / moved.length : 0 };
}

t.test('reconnections that land on another worker resume only with the shared store', async (t) => {
  const pct = (r: { rate: number }) => `${(r.rate * 100).toFixed(0)}%`;

  const plain = await startCluster(WORKERS, { OSC_REDIS_URL: '' });
  let without: ReturnType<typeof rate>;
  try {
    without = rate(await run(plain.port));
  } finally {
    await stopCluster(plain.workers);
  }

  const shared = await startCluster(WORKERS, { OSC_REDIS_URL: redis.url });
  let withStore: ReturnType<typeof rate>;
  let st: Awaited<ReturnType<typeof stats>>[];
  let down: ReturnType<typeof rate>;
  let downFailures: { errors: number; timeouts: number };
  let back: ReturnType<typeof rate>;
  try {
    withStore = rate(await run(shared.port));
    st = await Promise.all(shared.workers.map(stats));

    // Redis dies: every handshake still completes, as a full one, without waiting out timeouts.
    await redis.kill();
    const downBefore = await Promise.all(shared.workers.map(stats));
    down = rate(await run(shared.port, 6));
    const downAfter = await Promise.all(shared.workers.map(stats));
    const delta = (f: (s: Awaited<ReturnType<typeof stats>>) => number) => downAfter.reduce((n, s, i) => n + f(s) - f(downBefore[i]), 0);
    downFailures = { errors: delta((s) => s.store!.errors), timeouts: delta((s) => s.store!.timeouts) };
    // Redis comes back (empty, same port): the workers' clients reconnect by themselves.
    await redis.start();
    await new Promise((r) => setTimeout(r, 1000));
    back = rate(await run(shared.port, 6));
  } finally {
    await stopCluster(shared.workers);
  }

  const line =
    `cross-worker resumption over ${WORKERS} workers: without the store ${without.resumed}/${without.moved} (${pct(without)}), ` +
    `with the Redis store ${withStore.resumed}/${withStore.moved} (${pct(withStore)})`;
  t.comment(line);
  t.ok(without.moved >= CLIENTS / 2, `round robin moved ${without.moved} of ${CLIENTS} reconnections`);
  t.ok(withStore.moved >= CLIENTS / 2, `round robin moved ${withStore.moved} of ${CLIENTS} reconnections`);
  t.equal(without.resumed, 0, 'without a shared store a reconnection to another worker never resumes');
  t.ok(withStore.rate >= 0.9, `with the store at least 90% resume (${pct(withStore)})`);
  t.same(shared.errors, [], 'no adapter errors in the workers');

  const sum = (f: (s: (typeof st)[number]) => number) => st.reduce((n, s) => n + f(s), 0);
  t.equal(
    sum((s) => s.store!.errors + s.store!.timeouts + s.store!.wrongContext),
    0,
    'no store errors, timeouts or context mismatches',
  );
  t.ok(sum((s) => s.store!.stores) >= CLIENTS, 'every new session was written');
  t.equal(
    sum((s) => s.adapter.cb_hits),
    withStore.resumed,
    'each cross-worker resumption was an external-cache hit (cb_hits)',
  );

  t.comment(
    `Redis killed: ${down.resumed}/${down.moved} resumed, store failures ${JSON.stringify(downFailures)}; ` +
      `restarted: ${back.resumed}/${back.moved} resumed`,
  );
  t.equal(down.resumed, 0, 'Redis down: reconnections to another worker make full handshakes');
  t.ok(
    downFailures.errors > 0 && downFailures.timeouts === 0,
    'and do not wait for the store: its lookups fail at once (errors), none waits out its timeout',
  );
  t.ok(back.moved > 0 && back.rate >= 0.8, `Redis back: sharing resumed by itself (${pct(back)})`);
});
