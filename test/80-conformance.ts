// Differential tests: random operation sequences (test/conformance) run on
// real OpenSSL 3.0 (the oracle addon) and on this package must write the same
// trace. The seed is printed; replay a failure with
//   CONFORMANCE_SEED=<seed> npx tap --disable-coverage test/80-conformance.ts
// (the default seed is fixed, so npm test runs the same sequences every time).
// CONFORMANCE_RUNS=<n> changes the number of sequences (default 1000 per property).

import fc from 'fast-check';
import t from 'tap';
import { anyOp, cacheOp, sequence } from './conformance/arbitraries';
import { diffTraces, type Op, show } from './conformance/ops';
import { runOracle } from './conformance/oracle';
import { runOurs } from './conformance/ours';

// A fixed seed by default (the same sequences every run); CONFORMANCE_SEED=<n> for others.
const seed = Number(process.env.CONFORMANCE_SEED ?? 20261202);
const runs = Number(process.env.CONFORMANCE_RUNS ?? 1000);
t.comment(`conformance seed ${seed} (replay with CONFORMANCE_SEED=${seed})`);

/** Throws with the sequence and both traces when ours and OpenSSL disagree. */
function agree(ops: Op[]): void {
  const oracle = runOracle(ops);
  const ours = runOurs(ops, oracle.now);
  const diff = diffTraces(oracle.trace, ours);
  if (diff !== null) {
    throw new Error(
      `${diff}\n\nsequence (now = ${oracle.now}):\n${show(ops)}\n\n` +
        `full OpenSSL trace:\n${oracle.trace.join('\n')}\n\nfull trace of ours:\n${ours.join('\n')}`,
    );
  }
}

function property(name: string, arb: fc.Arbitrary<Op[]>, numRuns: number, offset: number): void {
  t.test(name, async (t) => {
    const started = Date.now();
    const out = fc.check(
      fc.property(arb, (ops) => agree(ops)),
      { seed: seed + offset, numRuns },
    );
    if (out.failed) {
      t.fail(`${name}: disagreement after ${out.numRuns} runs (seed ${seed}, path ${out.counterexamplePath}, ${out.numShrinks} shrinks)`);
      t.comment(String(out.errorInstance instanceof Error ? out.errorInstance.message : out.errorInstance));
    } else {
      t.pass(`${out.numRuns} sequences agree (${Date.now() - started} ms)`);
    }
  });
}

property('cache API sequences agree with OpenSSL', sequence(cacheOp, 40), runs, 0);
property('sequences with handshakes agree with OpenSSL', sequence(anyOp, 30), runs, 1);
property('sequences from a client context agree with OpenSSL', sequence(anyOp, 30, true), runs, 2);
