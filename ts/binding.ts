// The one place that loads the native addon. node-gyp-build finds a
// prebuilt binary under prebuilds/<platform>-<arch>/ first and falls back
// to build/Release (a source build); `bindings` would miss prebuilds/.
import * as path from 'node:path';

const load: (dir: string) => Record<string, unknown> = require('node-gyp-build');

/** The raw exports of the addon; typed by the modules that re-export them. */
// biome-ignore lint/suspicious/noExplicitAny: the addon's exports are typed by the modules that re-export them
export const binding: any = load(path.join(__dirname, '..'));
