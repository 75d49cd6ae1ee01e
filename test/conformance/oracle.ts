// Loads the OpenSSL oracle addon (test/oracle), building it on first use.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { type Op, resolve } from './ops';

interface OracleAddon {
  run(ops: object[]): { now: bigint; tries: number; trace: string[] };
  version(): string;
}

const dir = path.join(__dirname, '..', 'oracle');
const file = path.join(dir, 'build', 'Release', 'oracle.node');
let addon: OracleAddon | null = null;

const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * The oracle addon; builds it with test/oracle/build.sh if it is missing. Test
 * files run in parallel, so the build happens under a lock directory and the
 * others wait for it.
 */
export function oracle(): OracleAddon {
  if (addon !== null) return addon;
  const lock = path.join(dir, '.build.lock');
  for (let waited = 0; !fs.existsSync(file); waited += 200) {
    try {
      fs.mkdirSync(lock);
    } catch {
      if (waited > 300_000) throw new Error(`waited 5 minutes for ${lock} (remove it if no build is running)`);
      sleep(200);
      continue;
    }
    try {
      if (!fs.existsSync(file)) execFileSync('bash', [path.join(dir, 'build.sh')], { stdio: 'pipe', encoding: 'utf8' });
    } catch (e) {
      const { stdout, stderr } = e as { stdout?: string; stderr?: string };
      throw new Error(`building the oracle (test/oracle/build.sh) failed:\n${stdout ?? ''}${stderr ?? ''}`);
    } finally {
      fs.rmdirSync(lock);
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  addon = require(file) as OracleAddon;
  return addon;
}

/** Runs `ops` on real OpenSSL: the trace and the one `now` every time(NULL) of the run returned. */
export function runOracle(ops: readonly Op[]): { now: bigint; trace: string[]; tries: number } {
  return oracle().run(ops.map(resolve));
}
