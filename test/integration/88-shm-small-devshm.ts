// A /dev/shm with less room than the segment (a container's 64 MiB default, partly used): the
// creation fails with ENOSPC instead of the first write past the room killing the process with
// SIGBUS. Runs the check in a private mount namespace (unshare -rm: no root needed where user
// namespaces are enabled) with a 1 MiB tmpfs on /dev/shm.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import t from 'tap';

const root = path.join(__dirname, '..', '..');

t.test('a segment larger than /dev/shm has room for: ERR_SHM_SYSTEM, no SIGBUS', async (t) => {
  const script = `
    const { SharedSessionSegment } = require(${JSON.stringify(root)});
    const sizes = ['512k', '4m'];
    for (const size of sizes) {
      try {
        const s = SharedSessionSegment.create(size);
        s.stats();
        s.close();
        s.unlink();
        console.log(size + ' ok');
      } catch (e) {
        console.log(size + ' ' + e.code + ' ' + e.message);
      }
    }
  `;
  const shell = `mount -t tmpfs -o size=1m tmpfs /dev/shm && exec "${process.execPath}" -e '${script.replace(/'/g, "'\\''")}'`;
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', shell], { encoding: 'utf8', timeout: 30000 });
  t.equal(r.error, undefined, 'unshare runs (util-linux)');
  t.equal(r.signal, null, 'no signal (SIGBUS) ended the process');
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^512k ok$/m, 'a segment that fits is made');
  t.match(r.stdout, /^4m ERR_SHM_SYSTEM .*No space left on device$/m, 'one that does not fit is refused');
});
