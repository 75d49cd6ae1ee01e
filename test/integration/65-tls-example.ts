// The examples against a client no one here wrote: `openssl s_client -reconnect` resumes on the
// s_server port (examples/s_server.ts), with its external cache and with the internal one; and
// `npm run demo` runs. The openssl binary is required (CI installs it, see .ci/run).
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import t from 'tap';

const root = path.join(__dirname, '..', '..');
const built = path.join(root, 'node_modules', '.cache', 'openssl-session-cache', 'examples');

const which = spawnSync('openssl', ['version'], { encoding: 'utf8' });
if (which.error || which.status !== 0) {
  t.fail('the `openssl` command is missing: install the openssl package (apt-get install openssl; .ci/run does) to run this test');
  t.end();
} else {
  t.test('the examples compile', (t) => {
    const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'demo.js'), '--build'], { encoding: 'utf8' });
    t.equal(r.status, 0, r.stdout + r.stderr);
    t.end();
  });

  for (const mode of ['-ext_cache', 'internal cache']) {
    t.test(`openssl s_client -reconnect -no_ticket -tls1_2 resumes on s_server (${mode})`, async (t) => {
      const args = [path.join(built, 's_server.js'), '0', '-naccept', '6', ...(mode.startsWith('-') ? [mode] : [])];
      const server = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      server.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      server.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      const exited = new Promise<number | null>((r) => server.on('exit', (code) => r(code)));
      const port = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`s_server did not start: ${out}${err}`)), 15000);
        const check = (): void => {
          const m = /ACCEPT [\d.]+:(\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1] as string);
          }
        };
        server.stdout.on('data', check);
      });
      const client = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-reconnect', '-no_ticket', '-tls1_2'], {
        input: '',
        encoding: 'utf8',
        timeout: 20000,
      });
      const lines = (client.stdout || '').split('\n').filter((l) => /^(New|Reused), /.test(l));
      // s_client's whole output only when it fails (it is long).
      t.equal(lines.length, 6, 's_client made 6 connections', lines.length === 6 ? {} : { output: `${client.stdout}${client.stderr}` });
      t.match(lines[0], /^New, TLSv1\.2/, 'the first is a full handshake');
      t.equal(lines.slice(1).filter((l) => /^Reused, TLSv1\.2/.test(l)).length, 5, 'its 5 reconnections report Reused');
      const timer = setTimeout(() => server.kill('SIGTERM'), 10000);
      t.equal(await exited, 0, 's_server exits after -naccept 6');
      clearTimeout(timer);
      t.equal(out.split('\n').filter((l) => l === 'Reused session-id').length, 5, 'the server printed 5 resumptions');
      t.match(out, /\n {3}6 server accepts \(SSL_accept\(\)\)\n/);
      t.match(out, /\n {3}6 server accepts that finished\n/);
      t.match(out, /\n {3}5 session cache hits\n/);
      t.match(out, /\n {3}0 session cache misses\n/);
      if (mode === '-ext_cache') {
        t.match(out, /\n {3}5 callback cache hits\n/, 'every hit came from the external cache');
        t.match(err, /New session added to external cache\n(Lookup session: cache hit\n){5}/, "s_server's messages, in order");
      } else {
        t.match(out, /\n {3}1 items in the session cache\n/);
        t.match(out, /cache full overflows \(128 allowed\)/);
      }
    });
  }

  t.test('npm run demo', (t) => {
    const r = spawnSync(process.execPath, [path.join(built, 'demo.js')], { encoding: 'utf8', timeout: 20000 });
    t.equal(r.status, 0, r.stderr);
    const rows = r.stdout
      .split('\n')
      .filter((l) => /^\d\s/.test(l))
      .map((l) => l.trim().split(/\s{2,}/));
    t.same(
      rows.map((c) => [c[2], c[3]]),
      [
        ['no', 'no'],
        ['yes', 'yes'],
        ['yes', 'yes'],
        ['yes', 'no'],
        ['yes', 'yes'],
      ],
      'offered / reused per request',
    );
    t.end();
  });
}
