// Compares our decode of a DER session with real OpenSSL's, field by field
// through the public accessors of both, plus the re-encoding and the
// SSL_SESSION_print text.

import type { SSL_SESSION } from '../..';
import * as osc from '../..';
import { derOracle, type OracleDecoded } from './oracle';

const hex = (b: Uint8Array | null | undefined): string | null => (b == null ? null : Buffer.from(b).toString('hex'));

/** Our session's fields in the oracle's shape. */
export function ourFields(s: SSL_SESSION): Omit<OracleDecoded, 'err' | 'consumed'> {
  const c = osc.SSL_SESSION_get0_cipher(s);
  const mk = new Uint8Array(1024);
  const mkl = osc.SSL_SESSION_get_master_key(s, mk);
  const ad = { value: null as Uint8Array | null };
  const adl = { value: -1 };
  osc.SSL_SESSION_get0_ticket_appdata(s, ad, adl);
  const print = { value: '' };
  const printOk = osc.SSL_SESSION_print(print, s);
  return {
    der: osc.sessionToDer(s) ?? new Uint8Array(0),
    version: osc.SSL_SESSION_get_protocol_version(s),
    cipherId: c ? osc.SSL_CIPHER_get_id(c) : null,
    cipherName: c ? osc.SSL_CIPHER_get_name(c) : null,
    id: osc.SSL_SESSION_get_id(s),
    sidCtx: osc.SSL_SESSION_get0_id_context(s),
    masterKey: mk.subarray(0, mkl),
    time: Number(osc.SSL_SESSION_get_time(s)),
    timeout: Number(osc.SSL_SESSION_get_timeout(s)),
    hostname: osc.SSL_SESSION_get0_hostname(s),
    alpn: osc.SSL_SESSION_get0_alpn_selected(s),
    hasTicket: osc.SSL_SESSION_has_ticket(s),
    ticket: osc.SSL_SESSION_get0_ticket(s),
    lifetimeHint: Number(osc.SSL_SESSION_get_ticket_lifetime_hint(s)),
    maxEarlyData: osc.SSL_SESSION_get_max_early_data(s),
    appdata: ad.value,
    maxFragmentLength: osc.SSL_SESSION_get_max_fragment_length(s),
    compressId: osc.SSL_SESSION_get_compress_id(s),
    resumable: osc.SSL_SESSION_is_resumable(s),
    peer: osc.SSL_SESSION_get0_peer(s),
    print: print.value,
    printOk,
  };
}

/**
 * Decodes `der` with ours and with OpenSSL; returns the differences (empty when
 * every field, the re-encoding and the printed text agree). `timeFromOracle`:
 * the input may lack a time, which each side fills from its own clock.
 */
export function diffWithOracle(der: Uint8Array): { diffs: string[]; ours: SSL_SESSION | null; theirs: OracleDecoded } {
  const theirs = derOracle().decode(der);
  osc.ERR_clear_error();
  const inp = { value: der };
  const ours = osc.d2i_SSL_SESSION(null, inp, der.length);
  const diffs: string[] = [];
  if (theirs.err !== undefined || ours === null) {
    if ((theirs.err !== undefined) !== (ours === null))
      diffs.push(`acceptance: OpenSSL ${theirs.err === undefined ? 'accepts' : 'rejects'}, ours ${ours === null ? 'rejects' : 'accepts'}`);
    return { diffs, ours, theirs };
  }
  if (der.length - inp.value.length !== theirs.consumed) diffs.push(`consumed ${der.length - inp.value.length} vs ${theirs.consumed}`);
  // A missing time is "now" on each side's clock: align it before comparing.
  if (osc.SSL_SESSION_get_time(ours) !== theirs.time) osc.SSL_SESSION_set_time(ours, theirs.time);
  const mine = ourFields(ours);
  for (const k of Object.keys(mine) as (keyof typeof mine)[]) {
    const a = mine[k];
    const b = theirs[k];
    const av = a instanceof Uint8Array ? hex(a) : a;
    const bv = b instanceof Uint8Array ? hex(b) : b;
    if (av !== bv) diffs.push(`${k}: ours ${JSON.stringify(av)} vs OpenSSL ${JSON.stringify(bv)}`);
  }
  return { diffs, ours, theirs };
}
