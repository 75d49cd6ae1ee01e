// The openssl command line tool (the system's OpenSSL 3.0) reads the DER this
// package writes: `openssl sess_id` re-encodes it to the PEM
// PEM_write_SSL_SESSION gives and prints the text SSL_SESSION_print gives.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import t from 'tap';
import * as osc from '../..';
import { build } from '../der-oracle/build';
import type { OracleSpec } from '../der-oracle/oracle';

const specs: Array<[string, OracleSpec]> = [
  [
    'TLS 1.2 with hostname and ALPN',
    {
      version: osc.TLS1_2_VERSION,
      cipher: 0xc02f,
      id: Buffer.alloc(32, 7),
      masterKey: Buffer.alloc(48, 9),
      time: 1700000000,
      timeout: 7200,
      hostname: 'pem.example',
      alpn: Buffer.from('h2'),
    },
  ],
  [
    'TLS 1.3 with early data and ticket appdata',
    {
      version: osc.TLS1_3_VERSION,
      cipher: 0x1302,
      id: Buffer.alloc(32, 1),
      sidCtx: Buffer.from('ctx'),
      masterKey: Buffer.alloc(48, 3),
      time: 1800000000,
      timeout: 300,
      maxEarlyData: 16384,
      appdata: Buffer.from('app'),
    },
  ],
  ['no id, no master key', { version: osc.TLS1_2_VERSION, cipher: 0x009c, time: 1, timeout: 1 }],
];

t.test('openssl sess_id agrees with PEM_write_SSL_SESSION and SSL_SESSION_print', async (t) => {
  t.doesNotThrow(
    () => execFileSync('openssl', ['version'], { stdio: 'ignore' }),
    'the openssl tool is installed (apt-get install openssl)',
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'osc-der-cli-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [name, spec] of specs) {
    const s = build(spec);
    const file = path.join(dir, 's.der');
    fs.writeFileSync(file, osc.sessionToDer(s)!);
    const pem = { value: '' };
    t.equal(osc.PEM_write_SSL_SESSION(pem, s), 1);
    t.equal(execFileSync('openssl', ['sess_id', '-inform', 'DER', '-in', file], { encoding: 'utf8' }), pem.value, `${name}: the same PEM`);
    const text = { value: '' };
    t.equal(osc.SSL_SESSION_print(text, s), 1);
    t.equal(
      execFileSync('openssl', ['sess_id', '-inform', 'DER', '-in', file, '-noout', '-text'], { encoding: 'utf8' }),
      text.value,
      `${name}: the same text`,
    );
    osc.SSL_SESSION_free(s);
  }
});
