// The operation language of the conformance tests: one sequence runs against
// real OpenSSL (test/oracle, a C++ interpreter) and against this package
// (ours.ts, a TypeScript interpreter); both must write the same trace.
//
// Legality: a sequence is always legal C. Ops name contexts and sessions by a
// small integer k that is resolved at run time to the k-th (mod count) entry
// of the *eligible* ones, in label order, so every random sequence stays
// legal and shrinks well:
// - a session is labelled s0, s1, ... the first time the runner sees it
//   (created by sess_new, or handed to a callback, or the session a finished
//   handshake holds); unlabelled sessions are never named.
// - sess_free only picks a session the runner holds a reference on (its
//   `owned` count); every other session op only picks one not yet destroyed
//   (the ex_data free callback says when). So nothing is freed twice and a
//   destroyed session is never touched.
// - a session cached in one context is never added to another ("bound"):
//   OpenSSL 3.0 then unlinks it from the wrong list (memory corruption), so a
//   session is bound to the first context it is added to (or handed to the
//   get callback of, or created by a handshake on) for the rest of the run.
// - handshakes pick only server-method contexts, connects only client-method
//   ones. A handshake may switch its connection to another server context
//   first (`sni`: SSL_set_SSL_CTX, as an SNI callback does); the cache
//   callbacks then still act for the connection's session context, which is
//   the context the runner names in their trace lines.
// - a connect proposes any live session (SSL_set_session only takes a
//   reference; a resumed session is not cached again). Its peer is a fixed
//   server outside the trace that resumes a proposed id or not, as the op
//   says, and otherwise gives the new session the op's id; never the id it
//   was offered (it takes the alternative id then), since a client reads an
//   echoed id as a resumption (a TLS artefact, not a cache behaviour).
// - the get callback returns only a legal session (alive, bound to that
//   context or unbound, and owned when it hands a reference over with
//   copy = 0) whose id is the one asked for ('byId': the first such,
//   'session': the k-th); otherwise it returns NULL. OpenSSL would resume a
//   session with another id, and the client would then fail the handshake
//   (a TLS artefact, not a cache behaviour).
// - when the new callback keeps a session, the runner owns that reference.
// At the end the runner frees every context reference it holds (each context
// flushes its cache with callbacks), then every session reference it holds.
//
// Deliberately outside the language (see docs/differences.md):
// - SSL_SESSION_set1_id / set_protocol_version on a session after creation:
//   re-keying a cached session is refused by this package (OpenSSL leaves it
//   hashed under its old key, CVE-2024-2511 territory). Ids and versions are
//   only set inside sess_new, before the session can be cached.
// - callbacks that re-enter the API (OpenSSL's remove callback runs under the
//   cache lock; re-entering deadlocks or corrupts it). Ours are pure recorders.
// - adding a session cached in one context to another (see "bound" above).
//
// Time: OpenSSL reads time(NULL). The oracle reads `now` once per run and
// repeats the whole run if the wall clock's second changed before it ended,
// so every time(NULL) in a run equals `now`; ours runs on a test clock fixed
// at that `now`. Times in ops are TimeSpecs relative to `now` (or to 0 and to
// the int64 limits), so exact expiry boundaries (t == expiry) are safe to test.

export const TLS1_VERSION = 0x0301;
export const TLS1_1_VERSION = 0x0302;
export const TLS1_2_VERSION = 0x0303;
export const TLS1_3_VERSION = 0x0304;
export const TLS_ANY_VERSION = 0x10000;

const rep = (n: number, b: number): number[] => new Array<number>(n).fill(b);

/** Session ids (index 0 = empty). Colliding prefixes on purpose; 7 is too long. */
export const ID_POOL: readonly Uint8Array[] = [
  [],
  [0x01],
  [0x02],
  [0x01, 0x02],
  rep(32, 0xaa),
  [...rep(31, 0xaa), 0xab],
  rep(31, 0xaa),
  rep(33, 0xcc),
].map((a) => Uint8Array.from(a));
/** Ids a client can put on the wire (0..32 bytes). */
export const WIRE_IDS = 7;

/** Session id contexts (index 0 = empty); 4 is too long. */
export const SID_CTX_POOL: readonly Uint8Array[] = [[], [0x41], [0x42], rep(32, 0x73), rep(33, 0x74)].map((a) => Uint8Array.from(a));

export type TimeBase = 'now' | 'zero' | 'max' | 'min' | 'maxMinusNow';
/** base + delta, saturated to the signed 64-bit range (C's long here). */
export interface TimeSpec {
  base: TimeBase;
  delta: number;
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

export function evalTime(t: TimeSpec, now: bigint): bigint {
  const base: Record<TimeBase, bigint> = {
    now,
    zero: 0n,
    max: INT64_MAX,
    min: INT64_MIN,
    maxMinusNow: INT64_MAX - now,
  };
  const v = base[t.base] + BigInt(t.delta);
  return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : v;
}

export type NewCbMode = 'none' | 'keep' | 'drop';
export type GetCbMode = 'none' | 'null' | 'byId' | 'session';

export interface GenSpec {
  /** What the generate-session-id callback returns. */
  ret: number;
  /** ID_POOL index of the bytes it writes. */
  id: number;
  /** The length it reports; -1 for the length of the bytes. */
  len: number;
}

export type Op =
  | { op: 'ctx_new'; server: boolean }
  | { op: 'ctx_up_ref'; ctx: number }
  | { op: 'ctx_free'; ctx: number }
  | { op: 'set_mode'; ctx: number; mode: number }
  | { op: 'set_cache_size'; ctx: number; size: number }
  | { op: 'set_ctx_timeout'; ctx: number; timeout: number }
  | { op: 'set_sid_ctx'; ctx: number; sidCtx: number }
  | { op: 'set_verify'; ctx: number; peer: boolean }
  | { op: 'set_remove_cb'; ctx: number; on: boolean }
  | { op: 'set_new_cb'; ctx: number; cb: NewCbMode }
  | { op: 'set_get_cb'; ctx: number; cb: GetCbMode; sess: number; copy: 0 | 1 }
  | {
      op: 'sess_new';
      /** -1: leave the version SSL_SESSION_new gave it. */
      version: number;
      id: number;
      sidCtx: number;
      time: TimeSpec | null;
      timeout: TimeSpec | null;
    }
  | { op: 'sess_up_ref'; sess: number }
  | { op: 'sess_free'; sess: number }
  | { op: 'add'; ctx: number; sess: number }
  | { op: 'remove'; ctx: number; sess: number }
  | { op: 'flush'; ctx: number; t: TimeSpec }
  | { op: 'set_time'; sess: number; t: TimeSpec }
  | { op: 'set_timeout'; sess: number; t: TimeSpec }
  | { op: 'is_resumable'; sess: number }
  | { op: 'has_matching'; ctx: number; id: number }
  | {
      op: 'handshake';
      ctx: number;
      /** The version the server negotiates (its min and max). */
      version: number;
      /** ID_POOL index of the id the client proposes (0: none). */
      propose: number;
      gen: GenSpec;
      /** SID_CTX_POOL index set on the server connection; -1: inherit the context's. */
      sslSidCtx: number;
      /** Mark the connection shut down before SSL_free (else a finished one is removed). */
      shutdown: boolean;
      /** ID_POOL index for SSL_has_matching_session_id on the finished connection; -1: none. */
      probe: number;
      /** SSL_set_SSL_CTX to the k-th server context before the handshake; -1: none. */
      sni: number;
    }
  | {
      op: 'connect';
      ctx: number;
      /** The live session the client is given (SSL_set_session); -1: none. */
      sess: number;
      /** The version both sides pin (min = max). */
      version: number;
      /** The peer resumes a proposed id. */
      serverResumes: boolean;
      /** ID_POOL index of the id the peer gives a new session; 0: none (its cache is off). */
      serverId: number;
      /** Mark the connection shut down before SSL_free (else a finished one's session is removed). */
      shutdown: boolean;
    };

/** An op with its pool indices resolved to bytes: what the oracle reads. */
export function resolve(op: Op): Record<string, unknown> {
  switch (op.op) {
    case 'sess_new':
      return { ...op, idBytes: ID_POOL[op.id], sidCtxBytes: SID_CTX_POOL[op.sidCtx] };
    case 'set_sid_ctx':
      return { ...op, sidCtxBytes: SID_CTX_POOL[op.sidCtx] };
    case 'has_matching':
      return { ...op, idBytes: ID_POOL[op.id] };
    case 'handshake':
      return {
        ...op,
        proposeBytes: ID_POOL[op.propose],
        gen: { ...op.gen, bytes: ID_POOL[op.gen.id] },
        sslSidCtxBytes: op.sslSidCtx < 0 ? null : SID_CTX_POOL[op.sslSidCtx],
        probeBytes: op.probe < 0 ? null : ID_POOL[op.probe],
      };
    case 'connect':
      return {
        ...op,
        serverIdBytes: ID_POOL[op.serverId],
        altServerIdBytes: ID_POOL[(op.serverId % (WIRE_IDS - 1)) + 1],
      };
    default:
      return { ...op };
  }
}

/** Lower-case hex, "-" for no bytes (the trace's spelling). */
export function hex(b: Uint8Array): string {
  return b.length === 0 ? '-' : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/** A sequence as compact JSON, one op per line, for failure reports. */
export function show(ops: readonly Op[]): string {
  return `[\n${ops.map((o) => `  ${JSON.stringify(o)}`).join(',\n')}\n]`;
}

/** Where two traces part, with context, or null when they agree. */
export function diffTraces(oracle: readonly string[], ours: readonly string[], context = 12): string | null {
  const n = Math.max(oracle.length, ours.length);
  let i = 0;
  while (i < n && oracle[i] === ours[i]) i++;
  if (i === n) return null;
  const from = Math.max(0, i - context);
  const side = (t: readonly string[]): string =>
    t
      .slice(from, i + context)
      .map((l, j) => `${from + j === i ? '>' : ' '} ${l}`)
      .join('\n');
  return `traces differ at line ${i}\n--- OpenSSL\n${side(oracle)}\n--- ours\n${side(ours)}`;
}
