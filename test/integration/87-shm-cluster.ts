// End to end: a node:cluster primary with 4 workers, tickets off, TLS 1.2, behind the primary's
// round-robin balancer: reconnections land on another worker. With the shared-memory store
// (attachSessionCache's sharedMemory: true over the segment the primary made) they resume; with
// per-worker caches alone they cannot. One client reconnecting in sequence, and several at once.
import t from 'tap';
import * as osc from '../..';
import { connect, startCluster, stats, stopCluster } from '../cluster-harness';

const WORKERS = 4;
const SEQUENTIAL = 39;
const PARALLEL_CLIENTS = 8;
const PARALLEL_ROUNDS = 5;

/** One client: a full handshake, then `n` reconnections each offering the latest session. */
async function reconnecting(port: number, n: number): Promise<{ moved: number; resumed: number }> {
  let prev = await connect(port);
  let moved = 0;
  let resumed = 0;
  for (let i = 0; i < n; i++) {
    if (!prev.session) throw new Error('no session to offer');
    const next = await connect(port, prev.session);
    if (next.worker !== prev.worker) {
      moved++;
      if (next.reused) resumed++;
    }
    prev = next.session ? next : { ...next, session: prev.session };
  }
  return { moved, resumed };
}

async function traffic(port: number) {
  const sequential = await reconnecting(port, SEQUENTIAL);
  const parallel = await Promise.all(Array.from({ length: PARALLEL_CLIENTS }, () => reconnecting(port, PARALLEL_ROUNDS)));
  return {
    sequential,
    parallel: parallel.reduce((a, b) => ({ moved: a.moved + b.moved, resumed: a.resumed + b.resumed })),
  };
}

t.test('clustered HTTPS workers resume across workers through the shared-memory store', async (t) => {
  const segment = osc.sharedSessionSegment('1m'); // the primary's: its name goes to every worker
  t.teardown(() => {
    segment.close();
    segment.unlink();
  });

  const plain = await startCluster(WORKERS, { OSC_SHARED: '' });
  let without: Awaited<ReturnType<typeof traffic>>;
  try {
    without = await traffic(plain.port);
  } finally {
    await stopCluster(plain.workers);
  }

  const shared = await startCluster(WORKERS, { OSC_SHARED: '1' });
  let withStore: Awaited<ReturnType<typeof traffic>>;
  let st: Awaited<ReturnType<typeof stats>>[];
  try {
    withStore = await traffic(shared.port);
    st = await Promise.all(shared.workers.map(stats));
  } finally {
    await stopCluster(shared.workers);
  }
  const show = (r: { moved: number; resumed: number }) => `${r.resumed}/${r.moved}`;
  t.comment(
    `per-worker caches: sequential ${show(without.sequential)}, parallel ${show(without.parallel)}; ` +
      `shared memory: sequential ${show(withStore.sequential)}, parallel ${show(withStore.parallel)}`,
  );
  t.ok(without.sequential.moved >= SEQUENTIAL * 0.9, 'round robin moves the reconnections');
  t.equal(without.sequential.resumed + without.parallel.resumed, 0, 'per-worker caches: no reconnection to another worker resumes');
  t.ok(
    withStore.sequential.resumed >= 0.95 * withStore.sequential.moved,
    `shared: at least 95% of sequential reconnections resume (${show(withStore.sequential)})`,
  );
  t.ok(
    withStore.parallel.resumed >= 0.95 * withStore.parallel.moved,
    `shared: at least 95% of concurrent reconnections resume (${show(withStore.parallel)})`,
  );
  t.same(shared.errors, [], 'no adapter errors in the workers');
  const segStats = st[0].store?.segment as unknown as osc.SharedSegmentStats;
  t.ok(segStats.stores >= 1 + PARALLEL_CLIENTS, `the workers wrote their sessions into the one segment (${segStats.stores})`);
  t.equal(segStats.corruptDropped + segStats.recoveries, 0, 'nothing damaged');
});
