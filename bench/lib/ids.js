'use strict';
// The ids, times and orders every implementation uses: the same functions as
// bench/native/scenarios.h, so JS and C++ runs touch the same keys.

function mix32(x) {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

// Domains: 1 = prefilled sessions, 2 = ids never cached, 3 = made while measuring.
function writeId(domain, i, out, offset = 0) {
  const d = Math.imul(domain, 0x9e3779b9);
  for (let w = 0; w < 8; w++) {
    const v = mix32(mix32((Math.imul(i, 8) + w) >>> 0) ^ d);
    out.writeUInt32LE(v, offset + w * 4);
  }
  return out;
}

/** count ids of `domain` from index `at(j)`, as 32-byte views of one Buffer. */
function idViews(domain, count, at = (j) => j) {
  const all = Buffer.alloc(count * 32);
  const views = new Array(count);
  for (let j = 0; j < count; j++) {
    writeId(domain, at(j), all, j * 32);
    views[j] = all.subarray(j * 32, j * 32 + 32);
  }
  return views;
}

// A permutation of [0, n) for k < n.
function scatter(k, n) {
  return (k * 1000003 + 7) % n;
}

const SPAN = 1000; // prefilled times spread over [now - SPAN, now]
const TIMEOUT = 7200; // every session's timeout (the TLS methods' default)
const DEFAULT_CACHE_SIZE = 20480;

module.exports = { mix32, writeId, idViews, scatter, SPAN, TIMEOUT, DEFAULT_CACHE_SIZE };
