// Node exports the real OpenSSL into the same process: the addon must not
// export (and so could not interpose on) any OpenSSL-named symbol.

import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import t from 'tap';

const gypBuild: { resolve(dir: string): string } = require('node-gyp-build');

t.test('nm -D shows no SSL_/ERR_/i2d_/d2i_/PEM_/TLS_ symbols', async (t) => {
  const file = gypBuild.resolve(path.join(__dirname, '..'));
  const r = spawnSync('nm', ['-D', '--defined-only', file], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  const names = r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/).pop() ?? '')
    .filter(Boolean);
  t.ok(names.includes('napi_register_module_v1'), 'the Node-API entry point is there');
  const leaked = names.filter((n) => /^(SSL_|ERR_|d2i_|i2d_|PEM_|TLS_|OPENSSL_|CRYPTO_)/.test(n));
  t.same(leaked, []);
  const ours = names.filter((n) => /osc/.test(n));
  t.same(ours, [], "the core's own names stay hidden");
});
