// i2d/d2i/PEM/print/dup and the session fields, against real OpenSSL (the
// node binary's, through test/der-oracle) where OpenSSL has the same API.
import * as tls from 'node:tls';
import * as testing from 'openssl-session-cache/testing';
import t from 'tap';
import type { SSL_SESSION } from '..';
import * as osc from '..';
import { build } from './der-oracle/build';
import { diffWithOracle } from './der-oracle/compare';
import { derOracle, type OracleSpec } from './der-oracle/oracle';
import { xorshift32 } from './helpers';

const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'));

const basic: OracleSpec = {
  version: osc.TLS1_2_VERSION,
  cipher: 0xc02f,
  id: Buffer.alloc(32, 7),
  masterKey: Buffer.alloc(48, 9),
  time: 1700000000,
  timeout: 7200,
};

t.test('SSL_CIPHER: lookup by two-byte id, names, ids, one handle per suite', async (t) => {
  const c = osc.SSL_CIPHER_find(null, Buffer.from([0x13, 0x01]))!;
  t.ok(c);
  t.equal(osc.SSL_CIPHER_get_id(c), 0x03001301);
  t.equal(osc.SSL_CIPHER_get_protocol_id(c), 0x1301);
  t.equal(osc.SSL_CIPHER_get_name(c), 'TLS_AES_128_GCM_SHA256');
  t.equal(osc.SSL_CIPHER_standard_name(c), 'TLS_AES_128_GCM_SHA256');
  t.equal(osc.SSL_CIPHER_get_version(c), 'TLSv1.3');
  t.equal(osc.cipherFromId(0x1301), c, 'same handle by id');
  t.equal(osc.cipherFromId(0x03001301), c, 'and by OpenSSL id');
  t.equal(osc.cipherFromName('TLS_AES_128_GCM_SHA256'), c, 'and by name');
  const ecdhe = osc.cipherFromId(0xc02f)!;
  t.equal(osc.SSL_CIPHER_get_name(ecdhe), 'ECDHE-RSA-AES128-GCM-SHA256');
  t.equal(osc.SSL_CIPHER_standard_name(ecdhe), 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
  t.equal(osc.SSL_CIPHER_get_version(ecdhe), 'TLSv1.2');
  t.equal(osc.SSL_CIPHER_find(null, Buffer.from([0x13, 0x99])), null, 'unknown id');
  t.equal(osc.cipherFromId(0x04001301), null);
  t.equal(osc.SSL_CIPHER_get_name(null), '(NONE)');
  t.equal(osc.SSL_CIPHER_get_version(null), '(NONE)');
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  const ssl = osc.SSL_new(ctx);
  t.equal(osc.SSL_CIPHER_find(ssl, Buffer.from([0xc0, 0x2f])), ecdhe, 'with an SSL too');
  osc.SSL_free(ssl);
  osc.SSL_CTX_free(ctx);
  t.throws(() => osc.SSL_CIPHER_find(null, Buffer.from([0x13])), RangeError);
  t.throws(() => osc.SSL_CIPHER_get_id(osc.SSL_SESSION_new() as never), TypeError, 'a session is not a cipher');
  t.throws(() => osc.SSL_CIPHER_get_id({} as never), TypeError);
  t.ok(Object.isFrozen(c));
  // Every suite Node's OpenSSL offers is known, by its name.
  let known = 0;
  for (const name of tls.getCiphers()) {
    const h = osc.cipherFromName(name.toUpperCase()) ?? osc.cipherFromName(name);
    if (h) known++;
  }
  t.ok(known > 20, `${known} of tls.getCiphers() found by name`);
  const s = osc.SSL_SESSION_new();
  t.equal(osc.SSL_SESSION_get0_cipher(s), null);
  t.equal(osc.SSL_SESSION_set_cipher(s, c), 1);
  t.equal(osc.SSL_SESSION_get0_cipher(s), c);
  t.throws(() => osc.SSL_SESSION_set_cipher(s, null as never), TypeError, 'NULL cipher is UB in C');
  osc.SSL_SESSION_free(s);
});

t.test("sessions built with our setters encode to the bytes of OpenSSL's setters + i2d", async (t) => {
  const oracle = derOracle();
  const seed = Number(process.env.DER_SEED ?? 20261202);
  const next = xorshift32(seed);
  const r = (): number => next() / 2 ** 32;
  const rnd = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => next() & 0xff));
  const ciphers = [0x1301, 0x1302, 0x1303, 0xc02f, 0xc030, 0xcca8, 0x009c, 0x002f, 0xc02b];
  let same = 0;
  const diffs: string[] = [];
  const N = 2000;
  for (let i = 0; i < N; i++) {
    const spec: OracleSpec = {
      version: [osc.TLS1_2_VERSION, osc.TLS1_3_VERSION, osc.TLS1_VERSION, 0xfefd][i % 4],
      cipher: ciphers[i % ciphers.length],
      time: Math.floor(r() * 2 ** 31),
      timeout: Math.floor(r() * 100000),
    };
    if (r() < 0.9) spec.id = rnd(Math.floor(r() * 33));
    if (r() < 0.5) spec.sidCtx = rnd(Math.floor(r() * 33));
    if (r() < 0.9) spec.masterKey = rnd([48, 32, 0, 64, 100, 512][i % 6]!);
    if (r() < 0.4) spec.hostname = r() < 0.1 ? '' : `host${i}.example`;
    if (r() < 0.4) spec.alpn = rnd(Math.floor(r() * 10));
    if (r() < 0.3) spec.appdata = rnd(Math.floor(r() * 40));
    if (r() < 0.4) spec.maxEarlyData = Math.floor(r() * 2 ** 32);
    const s = build(spec);
    const ours = hex(osc.sessionToDer(s));
    const theirs = hex(oracle.encode(spec));
    if (ours === theirs) same++;
    else if (diffs.length < 3) diffs.push(`${JSON.stringify(spec)}\n ours ${ours}\n ossl ${theirs}`);
    osc.SSL_SESSION_free(s);
  }
  t.same(diffs, []);
  t.equal(same, N, `${same}/${N} random setter-built sessions byte-identical (seed ${seed}, DER_SEED)`);
  // And a bare SSL_SESSION_new() with only a cipher and a time.
  const bareSpec = { version: osc.TLS1_3_VERSION, cipher: 0x1301, time: 5 };
  const bare = build(bareSpec);
  t.equal(hex(osc.sessionToDer(bare)), hex(oracle.encode(bareSpec)), 'defaults of SSL_SESSION_new');
  t.equal(osc.SSL_SESSION_get_max_fragment_length(bare), 0, 'UNSPECIFIED (255 on the wire) reads as 0');
  t.same(diffWithOracle(osc.sessionToDer(bare)!).diffs, []);
  t.equal(osc.sessionGetVerifyResult(bare), 1, 'X509_V_ERR_UNSPECIFIED until verified');
});

t.test('i2d/d2i pointer advance: exact fit, too short untouched, class kept, no own subarray called', async (t) => {
  const s = build({ ...basic, sidCtx: Buffer.alloc(32, 3) });
  const n = osc.i2d_SSL_SESSION(s);
  const der = osc.sessionToDer(s)!;
  t.equal(der.length, n);
  const alloc = { value: null as Uint8Array | null };
  osc.i2d_SSL_SESSION(s, alloc);
  t.same(Buffer.from(alloc.value!), Buffer.from(der), 'allocating i2d and sessionToDer agree');
  const exact = new Uint8Array(n);
  const pe = { value: exact };
  t.equal(osc.i2d_SSL_SESSION(s, pe), n, 'an exact fit is written');
  t.same(Buffer.from(exact), Buffer.from(der));
  t.equal(pe.value.length, 0);
  t.equal(Object.getPrototypeOf(pe.value), Uint8Array.prototype, 'a Uint8Array stays a plain Uint8Array');
  t.equal(pe.value.buffer, exact.buffer, 'a view of the same memory');
  t.equal(pe.value.byteOffset, n);
  const short = new Uint8Array(n - 1).fill(0xaa);
  t.throws(() => osc.i2d_SSL_SESSION(s, { value: short }), RangeError);
  t.ok(
    short.every((b) => b === 0xaa),
    'a buffer too short is left untouched',
  );
  class Sneaky extends Uint8Array {
    override subarray(): Uint8Array<ArrayBuffer> {
      throw new Error('own subarray called');
    }
  }
  const sneaky = new Sneaky(n + 3);
  const ps = { value: sneaky as Uint8Array };
  t.equal(osc.i2d_SSL_SESSION(s, ps), n);
  t.equal(ps.value.length, 3);
  t.ok(ps.value instanceof Sneaky, 'the subclass is kept (species), its own subarray not called');
  const input = { value: Buffer.concat([Buffer.from(der), Buffer.from([1, 2])]) as Uint8Array };
  const d = osc.d2i_SSL_SESSION(null, input);
  t.ok(d);
  t.ok(Buffer.isBuffer(input.value), 'd2i: a Buffer stays a Buffer');
  t.same([...input.value], [1, 2], 'advanced past the session');
  osc.SSL_SESSION_free(d);
});

t.test('i2d_SSL_SESSION: length query, allocation, write-and-advance', async (t) => {
  const s = build(basic);
  const n = osc.i2d_SSL_SESSION(s);
  t.equal(n, osc.i2d_SSL_SESSION(s, null));
  t.equal(n, osc.sessionToDer(s)!.length);
  const alloc = { value: null as Uint8Array | null };
  t.equal(osc.i2d_SSL_SESSION(s, alloc), n);
  t.equal(alloc.value!.length, n, '*pp == NULL: a fresh buffer, not advanced');
  const buf = Buffer.alloc(n * 2 + 1, 0xee);
  const pp = { value: buf as Uint8Array };
  t.equal(osc.i2d_SSL_SESSION(s, pp), n);
  t.equal(osc.i2d_SSL_SESSION(s, pp), n, 'two sessions back to back');
  t.equal(pp.value.length, 1, 'advanced past both');
  t.ok(Buffer.isBuffer(pp.value), 'a Buffer stays a Buffer');
  t.same(buf.subarray(0, n), Buffer.from(alloc.value!));
  t.same(buf.subarray(n, 2 * n), Buffer.from(alloc.value!));
  t.equal(buf[2 * n], 0xee, 'nothing written past the encoding');
  t.throws(() => osc.i2d_SSL_SESSION(s, { value: new Uint8Array(n - 1) }), RangeError, 'too small: a RangeError, not an overflow');
  const none = osc.SSL_SESSION_new();
  const untouched = { value: new Uint8Array(4) };
  t.equal(osc.i2d_SSL_SESSION(none), 0, 'no cipher: 0');
  t.equal(osc.i2d_SSL_SESSION(none, untouched), 0);
  t.equal(untouched.value.length, 4, 'pp not moved');
  t.equal(osc.sessionToDer(none), null);
  osc.ERR_clear_error();
  const pem = { value: 'before\n' };
  t.equal(osc.PEM_write_SSL_SESSION(pem, none), 0);
  t.equal(pem.value, 'before\n');
  t.not(osc.ERR_get_error(), 0, 'PEM_write of a session without cipher queues an error');
  osc.SSL_SESSION_free(none);
  osc.SSL_SESSION_free(s);
});

t.test('d2i_SSL_SESSION: advance, trailing bytes, out-parameter, reuse, length argument', async (t) => {
  const s = build({ ...basic, hostname: 'a.example' });
  const der = osc.sessionToDer(s)!;
  const two = Buffer.concat([der, der, Buffer.from([1, 2, 3])]);
  const inp = { value: two as Uint8Array };
  const a = { value: null as SSL_SESSION | null };
  const s1 = osc.d2i_SSL_SESSION(a, inp, inp.value.length)!;
  t.ok(s1);
  t.equal(a.value, s1, '*a set');
  t.equal(inp.value.length, der.length + 3, 'advanced by one session');
  const s2 = osc.d2i_SSL_SESSION(null, inp)!;
  t.equal(inp.value.length, 3);
  t.not(s1, s2);
  t.same(Buffer.from(osc.sessionToDer(s2)!), Buffer.from(der));
  osc.ERR_clear_error();
  t.equal(osc.d2i_SSL_SESSION(null, inp), null, 'garbage');
  t.not(osc.ERR_get_error(), 0, 'with an error');
  t.equal(inp.value.length, 3, 'not advanced on failure');
  // Reuse: *a holds a session: it is overwritten in place.
  const target = build({ ...basic, id: Buffer.from('other'), hostname: null });
  const reuse = { value: target as SSL_SESSION | null };
  t.equal(osc.d2i_SSL_SESSION(reuse, { value: der }), target, 'same object');
  t.equal(osc.SSL_SESSION_get0_hostname(target), 'a.example');
  t.same(Buffer.from(osc.sessionToDer(target)!), Buffer.from(der));
  // Explicit length: less than the array; more is a RangeError.
  osc.ERR_clear_error();
  t.equal(osc.d2i_SSL_SESSION(null, { value: der }, der.length - 1), null, 'short length: truncated input');
  t.equal(osc.ERR_GET_LIB(osc.ERR_get_error()), 13, 'an ASN.1 error');
  t.throws(() => osc.d2i_SSL_SESSION(null, { value: der }, der.length + 1), RangeError);
  t.throws(() => osc.d2i_SSL_SESSION(null, der as never), TypeError, 'pp must be { value }');
  for (const x of [s, s1, s2, target]) osc.SSL_SESSION_free(x);
});

t.test('d2i: absent time is the cache clock, absent timeout is 3', async (t) => {
  testing.setTestTime(424242);
  try {
    const s = build({ ...basic, time: 0, timeout: 0 });
    const der = osc.sessionToDer(s)!;
    const o = derOracle().decode(der);
    const back = osc.sessionFromDer(der)!;
    t.equal(osc.SSL_SESSION_get_time(back), 424242);
    t.equal(osc.SSL_SESSION_get_timeout(back), 3);
    t.equal(o.timeout, 3, 'as OpenSSL');
    for (const x of [s, back]) osc.SSL_SESSION_free(x);
  } finally {
    testing.setTestTime(null);
  }
});

t.test('bad input: null and an error, for each kind', async (t) => {
  const good = osc.sessionToDer(build(basic))!;
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['one byte', Buffer.from([0x30])],
    ['wrong outer tag', Buffer.concat([Buffer.from([0x31]), good.subarray(1)])],
    ['truncated', good.subarray(0, good.length - 5)],
    ['length past the end', Buffer.concat([Buffer.from([0x30, 0x82, 0x7f, 0xff]), good.subarray(2)])],
    ['huge length', Buffer.from([0x30, 0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02])],
    ['indefinite length', Buffer.from([0x30, 0x80, 0x02, 0x01, 0x01, 0x00, 0x00])],
    ['nested garbage', Buffer.from(`3010${'3008'.repeat(1)}020101020101a0000000`, 'hex')],
    ['unknown cipher', Buffer.from(hex(good)!.replace('0402c02f', '0402ffff'), 'hex')],
    ['version 2', Buffer.from(hex(good)!.replace('020101', '020102'), 'hex')],
  ];
  for (const [name, bytes] of cases) {
    osc.ERR_clear_error();
    t.equal(osc.sessionFromDer(bytes), null, `${name}: null`);
    const e = osc.ERR_get_error();
    t.not(e, 0, `${name}: error ${osc.ERR_error_string(e)}`);
    t.equal(derOracle().decode(bytes).err !== undefined, true, `${name}: OpenSSL rejects it too`);
  }
  // The four rejections OpenSSL makes silently get an SSL error here.
  osc.ERR_clear_error();
  osc.sessionFromDer(cases[8]![1]);
  t.equal(osc.ERR_peek_error(), (20 << 23) | 249, 'unknown cipher: SSL_R_UNKNOWN_CIPHER_TYPE');
});

t.test("PEM: OpenSSL's text, read back, advancing a FILE-like input, errors", async (t) => {
  const s = build({ ...basic, hostname: 'pem.example', alpn: Buffer.from('h2') });
  const der = osc.sessionToDer(s)!;
  const out = { value: '' };
  t.equal(osc.PEM_write_SSL_SESSION(out, s), 1);
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  t.equal(out.value, `-----BEGIN SSL SESSION PARAMETERS-----\n${b64}\n-----END SSL SESSION PARAMETERS-----\n`);
  t.equal(osc.PEM_write_bio_SSL_SESSION(out, s), 1, 'appends');
  const text = `junk\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n${out.value}`;
  const file = { value: text as string | Uint8Array };
  const r1 = osc.PEM_read_SSL_SESSION(file)!;
  t.same(Buffer.from(osc.sessionToDer(r1)!), Buffer.from(der));
  const r2 = osc.PEM_read_SSL_SESSION(file)!;
  t.ok(r2, 'second block');
  osc.ERR_clear_error();
  t.equal(osc.PEM_read_SSL_SESSION(file), null, 'end of file');
  t.equal(osc.ERR_get_error(), (9 << 23) | 108, 'PEM_R_NO_START_LINE');
  const fromBytes = osc.PEM_read_bio_SSL_SESSION(Buffer.from(out.value))!;
  t.ok(fromBytes, 'from a Buffer');
  const crlf = osc.PEM_read_SSL_SESSION(out.value.replace(/\n/g, '\r\n'));
  t.ok(crlf, 'CRLF line ends');
  osc.ERR_clear_error();
  t.equal(osc.PEM_read_SSL_SESSION(out.value.replace('MI', 'M!')), null);
  t.equal(osc.ERR_get_error(), (9 << 23) | 100, 'PEM_R_BAD_BASE64_DECODE');
  t.equal(osc.PEM_read_SSL_SESSION(out.value.split('-----END')[0]!), null);
  t.equal(osc.ERR_get_error(), (9 << 23) | 102, 'PEM_R_BAD_END_LINE');
  const x = { value: null as SSL_SESSION | null };
  t.equal(osc.PEM_read_SSL_SESSION(out.value, x), x.value, 'x receives the session');
  for (const y of [s, r1, r2, fromBytes, crlf!, x.value!]) osc.SSL_SESSION_free(y);
});

t.test("SSL_SESSION_print: OpenSSL's layout, its early stop included", async (t) => {
  const s = build({ ...basic, version: osc.TLS1_3_VERSION, cipher: 0x1301, maxEarlyData: 16384 });
  const out = { value: '' };
  t.equal(osc.SSL_SESSION_print(out, s), 1);
  const { diffs } = diffWithOracle(osc.sessionToDer(s)!);
  t.same(diffs, [], "print text and every field equal OpenSSL's");
  t.match(out.value, /Resumption PSK: 0909/);
  t.match(out.value, /Max Early Data: 16384\n$/);
  osc.sessionSetVerifyResult(s, 0);
  osc.sessionSetFlags(s, osc.SESSION_FLAG_EXTMS);
  const o2 = { value: '' };
  osc.SSL_SESSION_print(o2, s);
  t.match(o2.value, /Verify return code: 0 \(ok\)\n {4}Extended master secret: yes\n/);
  osc.SSL_SESSION_free(s);
});

t.test('field accessors and their OpenSSL edge cases', async (t) => {
  const s = osc.SSL_SESSION_new();
  t.equal(osc.SSL_SESSION_get0_hostname(s), null);
  t.equal(osc.SSL_SESSION_set1_hostname(s, 'x.example\0tail'), 1);
  t.equal(osc.SSL_SESSION_get0_hostname(s), 'x.example', 'strdup stops at NUL');
  t.equal(osc.SSL_SESSION_set1_hostname(s, null), 1);
  t.equal(osc.SSL_SESSION_get0_hostname(s), null);
  const alpn = { value: new Uint8Array(1) as Uint8Array | null };
  const len = { value: -1 };
  t.equal(osc.SSL_SESSION_get0_alpn_selected(s, alpn, len), null);
  t.same([alpn.value, len.value], [null, 0]);
  t.equal(osc.SSL_SESSION_set1_alpn_selected(s, Buffer.from('http/1.1'), 2), 1);
  t.same(Buffer.from(osc.SSL_SESSION_get0_alpn_selected(s, alpn, len)!), Buffer.from('ht'));
  t.equal(len.value, 2);
  t.equal(osc.SSL_SESSION_set1_alpn_selected(s, Buffer.alloc(0)), 1, 'length 0 removes');
  t.equal(osc.SSL_SESSION_get0_alpn_selected(s), null);
  t.equal(osc.SSL_SESSION_has_ticket(s), 0);
  const tick = { value: new Uint8Array(1) as Uint8Array | null };
  t.equal(osc.SSL_SESSION_get0_ticket(s, tick, len), null);
  t.same([tick.value, len.value], [null, 0]);
  t.equal(osc.SSL_SESSION_get_ticket_lifetime_hint(s), 0);
  t.throws(() => osc.SSL_SESSION_set_max_early_data(s, 2 ** 32 + 5), RangeError, 'a uint32_t: no silent truncation');
  t.equal(osc.SSL_SESSION_set_max_early_data(s, 2 ** 32 - 1), 1);
  t.equal(osc.SSL_SESSION_get_max_early_data(s), 2 ** 32 - 1, 'a uint32_t');
  const ad = { value: new Uint8Array(1) as Uint8Array | null };
  t.equal(osc.SSL_SESSION_get0_ticket_appdata(s, ad, len), 1);
  t.same([ad.value, len.value], [null, 0]);
  t.equal(osc.SSL_SESSION_set1_ticket_appdata(s, Buffer.from('app')), 1);
  osc.SSL_SESSION_get0_ticket_appdata(s, ad, len);
  t.same([Buffer.from(ad.value!).toString(), len.value], ['app', 3]);
  t.equal(osc.SSL_SESSION_get0_peer(s), null);
  t.equal(osc.sessionGetPeerCertificate(s), null);
  t.equal(osc.SSL_SESSION_get_compress_id(s), 0);
  osc.SSL_SESSION_free(s);
  t.throws(() => osc.SSL_SESSION_get0_hostname(s), /used after free/);
});

t.test('is_resumable counts a ticket as well as an id', async (t) => {
  // A ticket-only session: from DER, as a client stores a TLS 1.3 ticket.
  const base = build({ ...basic, id: Buffer.alloc(0) });
  t.equal(osc.SSL_SESSION_is_resumable(base), 0, 'no id, no ticket');
  const der = Buffer.from(osc.sessionToDer(base)!);
  // Insert [10] { OCTET STRING "tkt" } before [17] (template order) and fix the outer length.
  const body = der.subarray(2);
  const at = body.indexOf(Buffer.from([0xb1, 0x04, 0x02, 0x02, 0x00, 0xff]));
  const ticket = Buffer.from([0xaa, 0x05, 0x04, 0x03, 0x74, 0x6b, 0x74]);
  const inner = Buffer.concat([body.subarray(0, at), ticket, body.subarray(at)]);
  const withTicket = Buffer.concat([Buffer.from([0x30, inner.length]), inner]);
  const s = osc.sessionFromDer(withTicket)!;
  t.ok(s, 'decodes');
  t.equal(derOracle().decode(withTicket).resumable, 1, 'OpenSSL: resumable');
  t.equal(osc.SSL_SESSION_is_resumable(s), 1, 'ours too');
  t.equal(osc.SSL_SESSION_has_ticket(s), 1);
  t.same(Buffer.from(osc.SSL_SESSION_get0_ticket(s)!).toString(), 'tkt');
  for (const x of [base, s]) osc.SSL_SESSION_free(x);
});

t.test('SSL_SESSION_dup: every field, new refcount, not cached, ex_data through dup callbacks', async (t) => {
  const log: string[] = [];
  const idx = osc.SSL_SESSION_get_ex_new_index(
    7,
    'argp',
    (_p, ptr) => {
      log.push(`new ${String(ptr)}`);
    },
    (_to, _from, fromD, i, argl, argp) => {
      log.push(`dup ${String(fromD.value)} ${i} ${argl} ${String(argp)}`);
      fromD.value = `${String(fromD.value)}'`;
      return 1;
    },
    (_p, ptr) => {
      log.push(`free ${String(ptr)}`);
    },
  );
  const plain = osc.SSL_SESSION_get_ex_new_index(0, null, null, null, null);
  const throwIdx = osc.SSL_SESSION_get_ex_new_index(
    0,
    null,
    null,
    (_to, _from, fromD) => {
      if (fromD.value === 'y') throw new Error('boom');
      return 1;
    },
    null,
  );
  const ctx = osc.SSL_CTX_new(osc.TLS_server_method());
  const src = build({ ...basic, hostname: 'dup.example', alpn: Buffer.from('h2'), appdata: Buffer.from('ad'), maxEarlyData: 9 });
  osc.SSL_SESSION_set_ex_data(src, idx, 'v');
  osc.SSL_SESSION_set_ex_data(src, plain, { shared: true });
  osc.SSL_SESSION_set_app_data(src, 'app');
  osc.SSL_CTX_add_session(ctx, src);
  log.length = 0;
  const d = osc.SSL_SESSION_dup(src)!;
  t.ok(d);
  t.same(log, ['new null', `dup v ${idx} 7 argp`], 'new callbacks, then dup callbacks');
  t.equal(osc.SSL_SESSION_get_ex_data(d, idx), "v'", "the dup callback's value");
  t.equal(osc.SSL_SESSION_get_ex_data(d, plain), osc.SSL_SESSION_get_ex_data(src, plain), 'no dup callback: shared as is');
  t.equal(osc.SSL_SESSION_get_app_data(d), 'app');
  t.same(Buffer.from(osc.sessionToDer(d)!), Buffer.from(osc.sessionToDer(src)!), 'every DER field');
  t.equal(hex(derOracle().dup(osc.sessionToDer(src)!)), hex(osc.sessionToDer(d)), "as OpenSSL's dup");
  t.equal(osc.SSL_CTX_sess_number(ctx), 1, 'the copy is not cached');
  osc.SSL_CTX_remove_session(ctx, src);
  t.equal(osc.SSL_SESSION_is_resumable(src), 0);
  t.equal(osc.SSL_SESSION_is_resumable(d), 1, 'the copy was made while the source was resumable');
  const d2 = osc.SSL_SESSION_dup(src)!;
  t.equal(osc.SSL_SESSION_is_resumable(d2), 0, 'resumable per source');
  log.length = 0;
  osc.SSL_SESSION_free(d);
  t.same(log, ["free v'"], 'one reference: freed at once');
  // A failing dup callback: null, an error, the half-made copy freed.
  const failIdx = osc.SSL_SESSION_get_ex_new_index(
    0,
    null,
    null,
    () => 0,
    (_p, ptr) => {
      log.push(`free2 ${String(ptr)}`);
    },
  );
  osc.SSL_SESSION_set_ex_data(src, failIdx, 'x');
  log.length = 0;
  osc.ERR_clear_error();
  t.equal(osc.SSL_SESSION_dup(src), null);
  t.not(osc.ERR_get_error(), 0);
  t.ok(log.includes('free2 null'), 'the copy was freed (free callbacks ran)');
  // A throwing dup callback: the same, and the exception reaches the caller.
  // (As in OpenSSL, a dup callback runs for every index the source has slots
  // for, also on a null value: failIdx still fails, so use a fresh session.)
  t.equal(osc.SSL_SESSION_set_ex_data(src, failIdx, null), 1);
  t.equal(osc.SSL_SESSION_dup(src), null, 'dup callbacks also run for null values');
  const fresh = osc.SSL_SESSION_new();
  osc.SSL_SESSION_set_ex_data(fresh, throwIdx, 'y');
  t.throws(() => osc.SSL_SESSION_dup(fresh), /boom/);
  osc.SSL_SESSION_free(fresh);
  for (const x of [src, d2]) osc.SSL_SESSION_free(x);
  osc.SSL_CTX_free(ctx);
});
