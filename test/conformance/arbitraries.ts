// fast-check generators for ops.ts sequences. Small pools (ids, id contexts,
// times) so that collisions, boundaries and overflows come up often.
import fc from 'fast-check';
import {
  type GenSpec,
  ID_POOL,
  type Op,
  SID_CTX_POOL,
  type TimeSpec,
  TLS_ANY_VERSION,
  TLS1_1_VERSION,
  TLS1_2_VERSION,
  TLS1_3_VERSION,
  TLS1_VERSION,
  WIRE_IDS,
} from './ops';

const ref = fc.nat({ max: 7 });
const t = (base: TimeSpec['base'], ...deltas: number[]): fc.Arbitrary<TimeSpec> =>
  fc.constantFrom(...deltas).map((delta) => ({ base, delta }));

/** Session times: around now (exact boundaries are safe, see ops.ts), 0, negative, the int64 limits. */
const sessTime: fc.Arbitrary<TimeSpec> = fc.oneof(
  { weight: 8, arbitrary: t('now', 0, 0, -1000, 1000, -3000, 3000, -7200, 1, -1) },
  { weight: 1, arbitrary: t('zero', 0, 5, -5) },
  { weight: 1, arbitrary: t('max', 0, -1, -100, -2000) },
  { weight: 1, arbitrary: t('min', 0, 1, 5000) },
);
/** Timeouts: small, 0, negative (refused), and the range where time + timeout overflows. */
const timeout: fc.Arbitrary<TimeSpec> = fc.oneof(
  { weight: 8, arbitrary: t('zero', 1500, 1500, 500, 2500, 7200, 0, 1, 304, -1, 4000) },
  { weight: 1, arbitrary: t('max', 0, -1, -100) },
  { weight: 1, arbitrary: t('maxMinusNow', 0, 1, -1, 2, -1000, 1000) },
);
/** Flush times: around the expiries the pools above produce, 0 (everything), the limits. */
const flushTime: fc.Arbitrary<TimeSpec> = fc.oneof(
  { weight: 8, arbitrary: t('now', 0, 1000, 1499, 1500, 1501, 2000, 3000, 4500, 8000, -500, 10000, 100000) },
  { weight: 2, arbitrary: t('zero', 0, 0, -5, 1) },
  { weight: 1, arbitrary: t('max', 0) },
  { weight: 1, arbitrary: t('min', 0) },
);

const modeBits = [0x0001, 0x0002, 0x0080, 0x0100, 0x0200, 0x0400];
const mode = fc.oneof(
  { weight: 6, arbitrary: fc.subarray(modeBits).map((bits) => bits.reduce((a, b) => a | b, 0)) },
  { weight: 2, arbitrary: fc.constantFrom(0x0002, 0x0003, 0x0000) },
  { weight: 1, arbitrary: fc.constantFrom(0x0800, 0x0002 | 0x0800) },
);

const sessVersion = fc.oneof(
  { weight: 6, arbitrary: fc.constant(TLS1_2_VERSION) },
  { weight: 3, arbitrary: fc.constantFrom(TLS1_1_VERSION, TLS1_VERSION, TLS1_3_VERSION, TLS_ANY_VERSION, -1) },
);
const hsVersion = fc.oneof(
  { weight: 5, arbitrary: fc.constant(TLS1_2_VERSION) },
  { weight: 1, arbitrary: fc.constantFrom(TLS1_1_VERSION, TLS1_VERSION) },
);
/** Mostly ids a client can send; now and then the 33-byte one (refused by set1_id). */
const idIdx = fc.oneof({ weight: 12, arbitrary: fc.nat({ max: WIRE_IDS - 1 }) }, { weight: 1, arbitrary: fc.constant(ID_POOL.length - 1) });
const wireId = fc.nat({ max: WIRE_IDS - 1 });
const sidCtx = fc.oneof(
  { weight: 4, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.nat({ max: SID_CTX_POOL.length - 2 }) },
  { weight: 1, arbitrary: fc.constant(SID_CTX_POOL.length - 1) },
);
const gen: fc.Arbitrary<GenSpec> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ ret: fc.constant(1), id: fc.integer({ min: 1, max: WIRE_IDS - 1 }), len: fc.constant(-1) }) },
  { weight: 1, arbitrary: fc.record({ ret: fc.constant(0), id: fc.constant(1), len: fc.constant(-1) }) },
  { weight: 1, arbitrary: fc.record({ ret: fc.constant(1), id: fc.constantFrom(1, 4), len: fc.constantFrom(0, 33, 1) }) },
);

const ctxOps: fc.Arbitrary<Op>[] = [
  fc.record({ op: fc.constant('ctx_up_ref' as const), ctx: ref }),
  fc.record({ op: fc.constant('ctx_free' as const), ctx: ref }),
  fc.record({ op: fc.constant('set_mode' as const), ctx: ref, mode }),
  fc.record({ op: fc.constant('set_cache_size' as const), ctx: ref, size: fc.constantFrom(0, 1, 2, 3, 20480, -1) }),
  fc.record({ op: fc.constant('set_ctx_timeout' as const), ctx: ref, timeout: fc.constantFrom(0, 1, 1500, 7200, -5, 100000) }),
  fc.record({ op: fc.constant('set_remove_cb' as const), ctx: ref, on: fc.boolean() }),
  fc.record({ op: fc.constant('set_new_cb' as const), ctx: ref, cb: fc.constantFrom('none' as const, 'keep' as const, 'drop' as const) }),
  fc.record({
    op: fc.constant('set_get_cb' as const),
    ctx: ref,
    cb: fc.constantFrom('none' as const, 'null' as const, 'byId' as const, 'session' as const),
    sess: ref,
    copy: fc.constantFrom(0 as const, 1 as const),
  }),
];

const sessNew: fc.Arbitrary<Op> = fc.record({
  op: fc.constant('sess_new' as const),
  version: sessVersion,
  id: idIdx,
  sidCtx,
  time: fc.option(sessTime, { freq: 6, nil: null }),
  timeout: fc.option(timeout, { freq: 6, nil: null }),
});

/** The id the generator callback ends up giving (what the server would send back). */
function generated(g: GenSpec): Uint8Array {
  const b = ID_POOL[g.id];
  return g.len < 0 ? b : b.subarray(0, g.len);
}

// A server never answers a proposed id it did not resume with that same id; if
// ours did, the client would take the full handshake for a resumption and
// fail (a TLS artefact, not a cache behaviour), so the generated id always
// differs from the proposed one.
const handshake: fc.Arbitrary<Op> = fc
  .record({
    op: fc.constant('handshake' as const),
    ctx: ref,
    version: hsVersion,
    propose: wireId,
    gen,
    sslSidCtx: fc.oneof({ weight: 4, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.nat({ max: 3 }) }),
    shutdown: fc.boolean(),
    probe: fc.oneof({ weight: 3, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: wireId }),
    sni: fc.oneof({ weight: 4, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: ref }),
  })
  .map((o): Op => {
    if (o.propose === 0 || Buffer.compare(generated(o.gen), ID_POOL[o.propose]) !== 0) return o;
    return { ...o, gen: { ...o.gen, id: (o.gen.id % (WIRE_IDS - 1)) + 1 } };
  });

/** A client handshake against a fixed peer (see ops.ts). */
const connect: fc.Arbitrary<Op> = fc.record({
  op: fc.constant('connect' as const),
  ctx: ref,
  sess: fc.oneof({ weight: 1, arbitrary: fc.constant(-1) }, { weight: 3, arbitrary: ref }),
  version: hsVersion,
  serverResumes: fc.boolean(),
  serverId: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.integer({ min: 1, max: WIRE_IDS - 1 }) }),
  shutdown: fc.boolean(),
});

/** Ops of the cache API alone (no handshakes). */
export const cacheOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ op: fc.constant('ctx_new' as const), server: fc.boolean() }) },
  { weight: 2, arbitrary: fc.oneof(...ctxOps) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('set_cache_size' as const), ctx: ref, size: fc.constantFrom(1, 2, 3, 4) }) },
  { weight: 5, arbitrary: sessNew },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('add' as const), ctx: ref, sess: ref }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('remove' as const), ctx: ref, sess: ref }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('flush' as const), ctx: ref, t: flushTime }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('sess_free' as const), sess: ref }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('sess_up_ref' as const), sess: ref }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('set_time' as const), sess: ref, t: sessTime }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('set_timeout' as const), sess: ref, t: timeout }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('is_resumable' as const), sess: ref }) },
);

/** Ops on connections: id contexts, verify mode, SSL_has_matching_session_id. */
const connOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set_sid_ctx' as const), ctx: ref, sidCtx }),
  fc.record({ op: fc.constant('set_verify' as const), ctx: ref, peer: fc.boolean() }),
  fc.record({ op: fc.constant('has_matching' as const), ctx: ref, id: idIdx }),
);

/** Every op, handshakes on both sides included. */
export const anyOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: cacheOp },
  { weight: 2, arbitrary: connOp },
  { weight: 2, arbitrary: fc.oneof(...ctxOps.slice(-3)) },
  { weight: 4, arbitrary: handshake },
  { weight: 3, arbitrary: connect },
);

/**
 * A sequence starting with a context (a server one unless `client`) that
 * records its remove callback (the richest trace), so most ops have something
 * to act on. A client context starts in CLIENT mode, since its cache is
 * otherwise off.
 */
export function sequence(op: fc.Arbitrary<Op>, maxLength = 40, client = false): fc.Arbitrary<Op[]> {
  const start: Op[] = client
    ? [
        { op: 'ctx_new', server: false },
        { op: 'set_mode', ctx: 0, mode: 0x0001 },
      ]
    : [{ op: 'ctx_new', server: true }];
  return fc
    .array(op, { minLength: 1, maxLength, size: 'max' })
    .map((ops): Op[] => [...start, { op: 'set_remove_cb', ctx: 0, on: true }, ...ops]);
}
