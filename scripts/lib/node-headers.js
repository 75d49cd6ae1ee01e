// Where node-gyp finds Node's headers without downloading them: the
// npm_config_nodedir already set (npm sets it from .npmrc for `npm run`),
// else the running Node's own include/node when it ships one (official
// tarballs and distro packages do). Scripts that spawn node-gyp directly
// (not through npm) use this so they build offline like `npm run` does.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** The --nodedir for node-gyp, or undefined to let node-gyp decide. */
function localNodedir(env = process.env) {
  if (env.npm_config_nodedir) return env.npm_config_nodedir;
  if (process.platform === 'win32') return undefined;
  const headers = path.join(path.dirname(process.execPath), '..', 'include', 'node');
  return fs.existsSync(path.join(headers, 'common.gypi')) ? path.resolve(headers, '..', '..') : undefined;
}

module.exports = { localNodedir };
