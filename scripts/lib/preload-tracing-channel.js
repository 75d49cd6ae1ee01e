// Preloaded (node -r) into the test processes only on a Node without
// diagnostics_channel.tracingChannel (before 18.19 and 19.9: the engines floor
// 18.17.0). Not for the package under test, which does not use it: tap 21's
// own library loads lru-cache (via @tapjs/fixture -> rimraf -> glob), which
// calls tracingChannel('lru-cache') when it is loaded. With no subscriber,
// Node's TracingChannel only calls the traced function; so does this one.
// scripts/lib/unit-tests.js probe() loads the package without this preload.
'use strict';
const dc = require('node:diagnostics_channel');
if (typeof dc.tracingChannel !== 'function') {
  dc.tracingChannel = function tracingChannel(name) {
    const channels = {};
    for (const e of ['start', 'end', 'asyncStart', 'asyncEnd', 'error']) channels[e] = dc.channel(`tracing:${name}:${e}`);
    return {
      ...channels,
      hasSubscribers: false,
      subscribe() {
        throw new Error(`tracingChannel(${name}).subscribe: not available on Node ${process.version}`);
      },
      unsubscribe() {
        return false;
      },
      traceSync(fn, _context, thisArg, ...args) {
        return Reflect.apply(fn, thisArg, args);
      },
      tracePromise(fn, _context, thisArg, ...args) {
        return Reflect.apply(fn, thisArg, args);
      },
      traceCallback(fn, _position, _context, thisArg, ...args) {
        return Reflect.apply(fn, thisArg, args);
      },
    };
  };
}
