// The Redis store against hostile or odd clients and options, without a Redis server: a client
// whose sendCommand returns no real Promise (a bare value, a thenable, a throw) makes errors and
// misses, never an uncaught exception; options of the wrong type get clear errors.

import { createRedisSessionStore, type RedisCommandClient } from 'openssl-session-cache/redis';
import t from 'tap';
import * as osc from '..';

const client = (sendCommand: (args: Array<string | Buffer>) => unknown): RedisCommandClient =>
  ({ isReady: true, sendCommand, on: () => undefined }) as unknown as RedisCommandClient;

t.test('a client answering with no real Promise: errors and misses, no uncaught exception', async (t) => {
  const answers: Record<string, () => unknown> = {
    undefined: () => undefined,
    'a bare value': () => [null],
    'a thenable': () => ({
      // biome-ignore lint/suspicious/noThenProperty: a client that answers with a thenable is the case under test
      then: (ok: (v: unknown) => void) => ok([null]),
    }),
    'a throw': () => {
      throw new Error('client down');
    },
  };
  for (const [label, answer] of Object.entries(answers)) {
    const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
    const store = createRedisSessionStore(ctx, { client: client(answer), idContext: 'x', negativeTtlMs: 0 });
    const got = await store.getSession(null as never, Buffer.alloc(32, 1), 32, { value: 1 });
    t.equal(got, null, `${label}: a miss`);
    await store.drain();
    const st = store.stats();
    t.equal(st.pending, 0, `${label}: nothing left pending`);
    store.detach();
    osc.SSL_CTX_free(ctx);
  }
});

t.test('options of the wrong type or value get clear errors', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const c = client(() => Promise.resolve(null));
  t.throws(() => createRedisSessionStore(ctx, undefined as never), { name: 'TypeError', message: /expected options/ });
  t.throws(() => createRedisSessionStore(ctx, { client: c, idContext: 5 as never }), {
    name: 'TypeError',
    message: /createRedisSessionStore: idContext must be a string or a Uint8Array/,
  });
  t.throws(() => createRedisSessionStore(ctx, { client: c, idContext: 'x', maxPending: null as never }), RangeError);
  t.throws(() => createRedisSessionStore(ctx, { client: c, idContext: 'x', negativeTtlMs: null as never }), RangeError);
  t.throws(() => createRedisSessionStore(ctx, { client: c, idContext: 'x', timeoutMs: null as never }), TypeError);
  osc.SSL_CTX_free(ctx);
});
