// Sessions built through this package's setters from an OracleSpec, in the
// order the DER oracle applies OpenSSL's own setters.

import type { SSL_SESSION } from '../..';
import * as osc from '../..';
import type { OracleSpec } from './oracle';

/** A session with `spec` applied through our setters, in the oracle's order. */
export function build(spec: OracleSpec): SSL_SESSION {
  const s = osc.SSL_SESSION_new();
  if (spec.version !== undefined) osc.SSL_SESSION_set_protocol_version(s, spec.version);
  if (spec.cipher !== undefined) {
    const c = osc.SSL_CIPHER_find(null, Buffer.from([spec.cipher >> 8, spec.cipher & 0xff]));
    if (c) osc.SSL_SESSION_set_cipher(s, c);
  }
  if (spec.id) osc.SSL_SESSION_set1_id(s, spec.id);
  if (spec.sidCtx) osc.SSL_SESSION_set1_id_context(s, spec.sidCtx);
  if (spec.masterKey) osc.SSL_SESSION_set1_master_key(s, spec.masterKey);
  if (spec.time !== undefined) osc.SSL_SESSION_set_time(s, spec.time);
  if (spec.timeout !== undefined) osc.SSL_SESSION_set_timeout(s, spec.timeout);
  if (spec.hostname !== undefined) osc.SSL_SESSION_set1_hostname(s, spec.hostname);
  if (spec.alpn) osc.SSL_SESSION_set1_alpn_selected(s, spec.alpn.length ? spec.alpn : null);
  if (spec.appdata) osc.SSL_SESSION_set1_ticket_appdata(s, spec.appdata.length ? spec.appdata : null);
  if (spec.maxEarlyData !== undefined) osc.SSL_SESSION_set_max_early_data(s, spec.maxEarlyData);
  return s;
}
