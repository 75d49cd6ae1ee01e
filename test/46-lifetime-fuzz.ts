// The lifetime fuzzer: random API sequences whose every callback (new, remove, get, ex_data new
// and free of every class) runs a hostile body: free or up-ref any object (the one it was given
// included), add, remove, flush, free connections and contexts, set ex_data, throw, re-register
// callbacks; Node's TLS events run through the adapter too. After every step: no crash, every live cache consistent, every object destroyed at
// most once and never while the program holds a reference, every deliberate throw delivered to
// the call it ran under. At the end, with every reference freed: every object destroyed exactly
// once and nothing left in the runtime.
//   LIFETIME_SEED=<n> LIFETIME_RUNS=<n> npx tap test/46-lifetime-fuzz.ts

import fc from 'fast-check';
import * as testing from 'openssl-session-cache/testing';
import t from 'tap';
import * as osc from '..';
import { type Body, type Op, World } from './lifetime/world';

const seed = Number(process.env.LIFETIME_SEED ?? 20261202);
const runs = Number(process.env.LIFETIME_RUNS ?? 10_000);
t.comment(`lifetime seed ${seed}, ${runs} runs (replay with LIFETIME_SEED=${seed})`);

let world: World | null = null;
const life = (kind: 'sess' | 'ctx' | 'ssl') => ({
  born: (parent: unknown) => {
    world?.born(kind, parent as never);
  },
  died: (parent: unknown) => {
    world?.died(parent as never);
  },
});
for (const [kind, register] of [
  ['sess', osc.SSL_SESSION_get_ex_new_index],
  ['ctx', osc.SSL_CTX_get_ex_new_index],
  ['ssl', osc.SSL_get_ex_new_index],
] as const) {
  const l = life(kind);
  (register as (argl: number, argp: unknown, n: unknown, d: unknown, f: unknown) => number)(0, null, l.born, null, l.died);
}

const small = fc.nat({ max: 7 });
const body: fc.Arbitrary<Body> = fc.oneof(
  fc.constant({ do: 'nothing' as const }),
  fc.record({ do: fc.constantFrom('free' as const, 'upref' as const), pick: small }),
  fc.record({ do: fc.constantFrom('freeGiven' as const, 'uprefGiven' as const) }),
  fc.record({ do: fc.constantFrom('add' as const, 'remove' as const), ctx: small, sess: small }),
  fc.record({ do: fc.constant('flush' as const), ctx: small, all: fc.boolean() }),
  fc.record({ do: fc.constant('setData' as const), pick: small }),
  fc.constant({ do: 'throw' as const }),
  fc.record({
    do: fc.constant('recall' as const),
    ctx: small,
    which: fc.constantFrom('remove' as const, 'new' as const, 'get' as const),
    off: fc.boolean(),
  }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ op: 'newSess' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'newCtx' as const }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('newSsl' as const), ctx: small }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('free' as const, 'upref' as const), pick: fc.nat({ max: 15 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('add' as const, 'remove' as const), ctx: small, sess: small }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('flush' as const), ctx: small, all: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('setSession' as const), ssl: small, sess: small }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('get1' as const), ssl: small }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('handshake' as const, 'lookup' as const), ssl: small, id: small }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('clear' as const), ssl: small }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('switchCtx' as const), ssl: small, ctx: small }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom('dup' as const, 'd2i' as const), sess: small }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('callbacks' as const), ctx: small, copy: fc.nat({ max: 2 }), keep: fc.nat({ max: 1 }) }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('size' as const), ctx: small, n: fc.integer({ min: -1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('time' as const), dt: fc.integer({ min: 0, max: 400 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom('adapterNew' as const, 'adapterResume' as const), ctx: small, sess: small }) },
);
// Each run starts with a context and a session, callbacks on.
const sequence = fc.tuple(fc.array(op, { maxLength: 25 }), fc.array(body, { minLength: 1, maxLength: 12 }));

function runOne(ops: Op[], bodies: Body[]): string[] {
  const base = testing.debugRuntimeStats().objects;
  const w = new World([...bodies]);
  world = w;
  try {
    const script: Op[] = [{ op: 'newCtx' }, { op: 'newSess' }, { op: 'callbacks', ctx: 0, copy: 1, keep: 0 }, ...ops];
    for (const o of script) {
      w.apply(o);
      w.check();
      if (w.violations.length > 0) break;
    }
    w.teardown();
    for (const r of w.recs) if (r.destroyed !== 1) w.violations.push(`${r.kind}#${r.id} destroyed ${r.destroyed} times at the end`);
    const left = testing.debugRuntimeStats().objects - base;
    if (left !== 0) w.violations.push(`${left} objects left in the runtime`);
  } finally {
    world = null;
    testing.setTestTime(null);
  }
  return w.violations;
}

t.test(`${runs} hostile sequences: no crash, no double free, nothing owned destroyed, every throw delivered`, async (t) => {
  const started = Date.now();
  const out = fc.check(
    fc.property(sequence, ([ops, bodies]) => {
      const v = runOne(ops, bodies);
      if (v.length > 0) throw new Error(v.slice(0, 5).join('\n'));
    }),
    { seed, numRuns: runs },
  );
  if (out.failed) {
    t.fail(`violation after ${out.numRuns} runs (seed ${seed}, path ${out.counterexamplePath})`);
    t.comment(String(out.errorInstance instanceof Error ? out.errorInstance.message : out.errorInstance));
    t.comment(JSON.stringify(out.counterexample));
  } else {
    t.pass(`${out.numRuns} sequences hold every rule (${Date.now() - started} ms)`);
  }
  t.equal(testing.debugRuntimeStats().strayCallouts, 0, 'no callout outside an entry point');
});
