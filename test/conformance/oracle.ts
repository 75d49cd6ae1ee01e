// Loads the OpenSSL oracle addon (test/oracle), building it on first use.
import * as path from 'node:path';
import { loadTestAddon } from '../test-addon';
import { type Op, resolve } from './ops';

interface OracleAddon {
  run(ops: object[]): { now: bigint; tries: number; trace: string[] };
  version(): string;
}

const dir = path.join(__dirname, '..', 'oracle');
const file = path.join(dir, 'build', 'Release', 'oracle.node');
let addon: OracleAddon | null = null;

/** The oracle addon; built with test/oracle/build.sh on first use. */
export function oracle(): OracleAddon {
  addon ??= loadTestAddon<OracleAddon>(dir, file, ['bash', path.join(dir, 'build.sh')], 'the oracle (test/oracle/build.sh)');
  return addon;
}

/** Runs `ops` on real OpenSSL: the trace and the one `now` every time(NULL) of the run returned. */
export function runOracle(ops: readonly Op[]): { now: bigint; trace: string[]; tries: number } {
  return oracle().run(ops.map(resolve));
}
