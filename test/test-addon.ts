// Loads a test-only addon (test/oracle, test/der-oracle), building it on
// first use. Test files run in parallel, so the build happens under a lock
// directory and the other files wait for it.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Requires `file`, first running `build` ([command, ...args], from the repository root) if it is missing. */
export function loadTestAddon<T>(dir: string, file: string, build: string[], what: string): T {
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
      if (!fs.existsSync(file)) {
        execFileSync(build[0] as string, build.slice(1), { cwd: path.join(__dirname, '..'), stdio: 'pipe', encoding: 'utf8' });
      }
    } catch (e) {
      const { stdout, stderr } = e as { stdout?: string; stderr?: string };
      throw new Error(`building ${what} failed:\n${stdout ?? ''}${stderr ?? ''}`);
    } finally {
      fs.rmdirSync(lock);
    }
  }
  return require(file) as T;
}
