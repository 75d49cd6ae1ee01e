// Shared by the tests: sessions with a label, a log of destructions (seen
// through an ex_data free callback, as OpenSSL users see them) and of
// remove-callback calls.

import * as testing from 'openssl-session-cache/testing';
import type { SSL_CTX, SSL_SESSION } from '..';
import * as osc from '..';

export const events: string[] = [];

/** A small deterministic PRNG (xorshift32): uint32 values, so a failure replays by seed. */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** The ex_data index whose free callback logs "destroy <label>". */
export const LABEL = osc.SSL_SESSION_get_ex_new_index(0, null, null, null, (_parent, ptr) => {
  if (ptr !== null) events.push(`destroy ${String(ptr)}`);
});

export interface SessionSpec {
  id?: string;
  version?: number;
  time?: number | bigint;
  timeout?: number | bigint;
}

/** A session labelled `label` whose id defaults to the label's bytes. */
export function mk(label: string, spec: SessionSpec = {}): SSL_SESSION {
  const s = osc.SSL_SESSION_new();
  osc.SSL_SESSION_set_ex_data(s, LABEL, label);
  osc.SSL_SESSION_set1_id(s, Buffer.from(spec.id ?? label));
  osc.SSL_SESSION_set_protocol_version(s, spec.version ?? osc.TLS1_2_VERSION);
  osc.SSL_SESSION_set_time(s, spec.time ?? 1000);
  osc.SSL_SESSION_set_timeout(s, spec.timeout ?? 100);
  return s;
}

export function label(s: SSL_SESSION): string {
  return String(osc.SSL_SESSION_get_ex_data(s, LABEL));
}

/** A server context whose remove callback logs "remove <label>". */
export function ctxWithLog(): SSL_CTX {
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  osc.SSL_CTX_sess_set_remove_cb(ctx, (_c, s) => {
    events.push(`remove ${label(s)}`);
  });
  return ctx;
}

/** The cache's list order, head (expires last) first, as labels. */
export function order(ctx: SSL_CTX): string[] {
  return testing.debugCacheOrder(ctx).map(label);
}

/** Takes and clears the event log. */
export function drain(): string[] {
  return events.splice(0, events.length);
}
