'use strict';
// A throwaway redis-server for the benchmarks: a free loopback port, no persistence, killed
// when the process exits. startRedis() resolves to { proc, port, version }, or to { skipped }
// with the reason when it cannot run (no redis package, no redis-server, no start).
const { spawn, spawnSync } = require('node:child_process');
const { freePort, canConnect } = require('../../scripts/lib/loopback');

async function startRedis() {
  try {
    require.resolve('redis');
  } catch {
    return { skipped: 'the redis npm package is not installed (npm install: it is a devDependency)' };
  }
  const bin = process.env.REDIS_SERVER || 'redis-server';
  const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) return { skipped: 'redis-server is not on PATH (Debian/Ubuntu: apt-get install redis-server)' };
  const port = await freePort();
  const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], {
    stdio: 'ignore',
  });
  process.on('exit', () => proc.kill('SIGKILL'));
  for (let i = 0; i < 500; i++) {
    if (await canConnect(port)) return { proc, port, version: (/v=(\S+)/.exec(v.stdout) || [])[1] || v.stdout.trim() };
    await new Promise((r) => setTimeout(r, 20));
  }
  proc.kill('SIGKILL');
  return { skipped: 'redis-server did not start' };
}

module.exports = { startRedis };
