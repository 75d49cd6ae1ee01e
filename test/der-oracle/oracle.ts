// Loads the test-only DER oracle addon (real OpenSSL's i2d/d2i and session
// accessors, from the node binary), building it on first use under a lock
// (test files run in parallel).
import * as path from 'node:path';
import { loadTestAddon } from '../test-addon';

/** What OpenSSL reports for one DER input. */
export interface OracleDecoded {
  err?: number; // set (the first queued error) when d2i failed
  consumed: number;
  der: Uint8Array; // i2d(d2i(input))
  version: number;
  cipherId: number | null;
  cipherName: string | null;
  id: Uint8Array;
  sidCtx: Uint8Array;
  masterKey: Uint8Array;
  time: number;
  timeout: number;
  hostname: string | null;
  alpn: Uint8Array | null;
  hasTicket: number;
  ticket: Uint8Array | null;
  lifetimeHint: number;
  maxEarlyData: number;
  appdata: Uint8Array | null;
  maxFragmentLength: number;
  compressId: number;
  resumable: number;
  peer: Uint8Array | null;
  print: string;
  printOk: number;
}

export interface OracleSpec {
  version?: number;
  cipher?: number; // two-byte id
  id?: Uint8Array;
  sidCtx?: Uint8Array;
  masterKey?: Uint8Array;
  time?: number;
  timeout?: number;
  hostname?: string | null;
  alpn?: Uint8Array;
  appdata?: Uint8Array;
  maxEarlyData?: number;
}

export interface DerOracle {
  decode(der: Uint8Array): OracleDecoded;
  /** i2d of SSL_SESSION_new() after OpenSSL's public setters for `spec`. */
  encode(spec: OracleSpec): Uint8Array;
  /** i2d(SSL_SESSION_dup(d2i(der))), or null. */
  dup(der: Uint8Array): Uint8Array | null;
  /** OpenSSL's d2i (+ SSL_SESSION_free) and i2d, nanoseconds per call, C++ loop. */
  bench(der: Uint8Array, iters: number): { d2i: number; i2d: number };
}

const dir = __dirname;
const file = path.join(dir, 'build', 'Release', 'der_oracle.node');
let addon: DerOracle | null = null;
export function derOracle(): DerOracle {
  addon ??= loadTestAddon<DerOracle>(dir, file, ['npx', '--no-install', 'node-gyp', 'rebuild', '--directory', dir], 'test/der-oracle');
  return addon;
}
