// What the cluster tests share: node:cluster workers (test/cluster-worker.js) behind the primary's
// round-robin balancer on loopback, and a TLS 1.2 client connection that reports which worker
// answered and whether it resumed.
import cluster, { type Worker } from 'node:cluster';
import * as path from 'node:path';
import * as tls from 'node:tls';

export interface WorkerStats {
  adapter: Record<string, number>;
  store: Record<string, number> | null;
}

/** Starts `n` workers with `env` added to their environment; resolves once all listen on one port. */
export async function startCluster(n: number, env: Record<string, string>): Promise<{ port: number; workers: Worker[]; errors: string[] }> {
  // Plain node for the workers: not the test runner's TypeScript loader.
  cluster.setupPrimary({ exec: path.join(__dirname, 'cluster-worker.js'), execArgv: [], silent: false });
  // Round-robin is the default on Linux; say so for other platforms' defaults.
  cluster.schedulingPolicy = cluster.SCHED_RR;
  const errors: string[] = [];
  const workers: Worker[] = [];
  const ports: number[] = [];
  for (let i = 0; i < n; i++) {
    const w = cluster.fork(env);
    workers.push(w);
    ports.push(
      await new Promise<number>((resolve, reject) => {
        const onMsg = (m: { listening?: number; error?: string }) => {
          if (m.listening) {
            w.off('message', onMsg);
            resolve(m.listening);
          }
          if (m.error) reject(new Error(`worker ${w.id}: ${m.error}`));
        };
        w.on('message', onMsg);
        w.once('exit', (code) => reject(new Error(`worker ${w.id} exited (${code}) before listening`)));
      }),
    );
    w.on('message', (m: { error?: string }) => {
      if (m.error) errors.push(m.error);
    });
  }
  if (new Set(ports).size !== 1) throw new Error(`workers listen on different ports: ${ports}`);
  return { port: ports[0], workers, errors };
}

export async function stopCluster(workers: Worker[]): Promise<void> {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) {
            resolve();
            return;
          }
          w.once('exit', () => resolve());
          w.kill('SIGKILL');
        }),
    ),
  );
}

export function stats(w: Worker): Promise<WorkerStats> {
  return new Promise((resolve) => {
    const onMsg = (m: { stats?: WorkerStats }) => {
      if (m.stats) {
        w.off('message', onMsg);
        resolve(m.stats);
      }
    };
    w.on('message', onMsg);
    w.send('stats');
  });
}

/** One TLS 1.2 connection; resolves with the worker that answered, the session and isSessionReused(). */
export function connect(port: number, session?: Buffer): Promise<{ worker: string; session: Buffer | null; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, maxVersion: 'TLSv1.2', session });
    let got: Buffer | null = null;
    let data = '';
    s.on('session', (x: Buffer) => {
      got = x;
    });
    s.on('data', (d: Buffer) => {
      data += d.toString();
    });
    s.on('error', reject);
    s.on('end', () => {
      const reused = s.isSessionReused();
      s.end();
      resolve({ worker: data, session: got ?? s.getSession() ?? null, reused });
    });
  });
}
