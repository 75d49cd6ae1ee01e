// Mutation fuzz of d2i_SSL_SESSION through the JS API, over real session DER
// (Node TLS 1.2/1.3 handshakes, both sides, certificates, tickets) and
// setter-built sessions: every result is a valid session that re-encodes
// deterministically, or null with an error queued. A sample is also decoded
// by real OpenSSL: where both accept, both re-encode to the same bytes.
import t from 'tap';
import * as osc from '..';
import { derOracle } from './der-oracle/oracle';
import { collectSessions } from './der-oracle/sessions';
import { xorshift32 as rng } from './helpers';

const CASES = Number(process.env.DER_FUZZ_CASES ?? 100_000);
const ORACLE_EVERY = Number(process.env.DER_FUZZ_ORACLE_EVERY ?? 8);

function mutate(src: Uint8Array, next: () => number): Uint8Array {
  let b = Buffer.from(src);
  const n = 1 + (next() % 3);
  for (let m = 0; m < n; m++) {
    const pos = b.length ? next() % b.length : 0;
    switch (next() % 8) {
      case 0:
        if (b.length) b[pos]! ^= 1 << (next() % 8);
        break; // bit flip
      case 1:
        b = b.subarray(0, next() % (b.length + 1));
        break; // truncation
      case 2:
        if (b.length) b[pos] = (b[pos]! + (next() % 7) - 3) & 0xff;
        break; // length bump (any byte)
      case 3: {
        // length bump on a header: the byte after a tag
        const tags = [];
        for (let i = 0; i + 1 < b.length; i++)
          if (b[i] === 0x30 || b[i] === 0x04 || b[i] === 0x02 || (b[i]! & 0xe0) === 0xa0) tags.push(i + 1);
        if (tags.length) {
          const at = tags[next() % tags.length]!;
          const r = next() % 4;
          b[at] = r === 0 ? 0xff : r === 1 ? 0x84 : (b[at]! + (r === 2 ? 1 : -1)) & 0xff;
        }
        break;
      }
      case 4: {
        // insertion
        const ins = Buffer.alloc(1 + (next() % 4));
        for (let i = 0; i < ins.length; i++) ins[i] = next() & 0xff;
        b = Buffer.concat([b.subarray(0, pos), ins, b.subarray(pos)]);
        break;
      }
      case 5:
        b = Buffer.concat([b.subarray(0, pos), b.subarray(Math.min(b.length, pos + 1 + (next() % 3)))]);
        break; // deletion
      case 6:
        if (b.length) b[pos] = next() & 0xff;
        break; // random byte
      default:
        b = Buffer.concat([b, Buffer.from([next() & 0xff, next() & 0xff])]);
        break; // trailing garbage
    }
  }
  return b;
}

t.test(`fuzz: ${CASES} mutated sessions through d2i_SSL_SESSION`, async (t) => {
  const corpus: Uint8Array[] = (await collectSessions()).map((c) => c.der);
  for (const [v, c] of [
    [osc.TLS1_2_VERSION, 0xc02f],
    [osc.TLS1_3_VERSION, 0x1302],
  ] as const) {
    const s = osc.SSL_SESSION_new();
    osc.SSL_SESSION_set_protocol_version(s, v);
    osc.SSL_SESSION_set_cipher(s, osc.cipherFromId(c)!);
    osc.SSL_SESSION_set1_id(s, Buffer.alloc(32, 3));
    osc.SSL_SESSION_set1_master_key(s, Buffer.alloc(48, 4));
    osc.SSL_SESSION_set1_hostname(s, 'fuzz.example');
    osc.SSL_SESSION_set1_alpn_selected(s, Buffer.from('h2'));
    osc.SSL_SESSION_set1_ticket_appdata(s, Buffer.from('appdata'));
    osc.SSL_SESSION_set_max_early_data(s, 16384);
    corpus.push(osc.sessionToDer(s)!);
    osc.SSL_SESSION_free(s);
  }
  t.ok(corpus.length >= 20, `${corpus.length} seed sessions`);
  const oracle = derOracle();
  const seed = Number(process.env.DER_FUZZ_SEED ?? 0x5eed);
  const next = rng(seed);
  let accepted = 0,
    rejected = 0,
    noError = 0,
    notDeterministic = 0,
    overRead = 0;
  let compared = 0,
    bothAccept = 0,
    reencodeDiffers = 0,
    onlyOurs = 0,
    onlyOpenSSL = 0;
  const examples: string[] = [];
  const started = Date.now();
  for (let i = 0; i < CASES; i++) {
    const input = mutate(corpus[next() % corpus.length]!, next);
    osc.ERR_clear_error();
    // Alternate the two entry points; d2i gets a view into a larger buffer
    // with an explicit length, so a read past `length` would see the guard.
    let s: osc.SSL_SESSION | null;
    let consumed = 0;
    if (i & 1) {
      const big = Buffer.alloc(input.length + 8, 0x30);
      Buffer.from(input).copy(big);
      const inp = { value: big as Uint8Array };
      s = osc.d2i_SSL_SESSION(null, inp, input.length);
      consumed = big.length - inp.value.length;
      if (s && consumed > input.length) overRead++;
    } else {
      s = osc.sessionFromDer(input);
    }
    if (s === null) {
      rejected++;
      if (osc.ERR_get_error() === 0) {
        noError++;
        if (examples.length < 3) examples.push(`null without an error: ${Buffer.from(input).toString('hex')}`);
      }
    } else {
      accepted++;
      const e1 = osc.sessionToDer(s)!;
      const s2 = osc.sessionFromDer(e1);
      const e2 = s2 && osc.sessionToDer(s2);
      if (!e2 || Buffer.compare(e1, e2) !== 0) {
        notDeterministic++;
        if (examples.length < 3) examples.push(`not deterministic: ${Buffer.from(input).toString('hex')}`);
      }
      if (s2) osc.SSL_SESSION_free(s2);
    }
    if (i % ORACLE_EVERY === 0) {
      compared++;
      const o = oracle.decode(input);
      if (o.err === undefined && s !== null) {
        bothAccept++;
        osc.SSL_SESSION_set_time(s, o.time); // an absent time is each side's clock
        if (Buffer.compare(osc.sessionToDer(s)!, o.der) !== 0) {
          reencodeDiffers++;
          if (examples.length < 3) examples.push(`re-encoding differs from OpenSSL's: ${Buffer.from(input).toString('hex')}`);
        }
      } else if (o.err === undefined) {
        onlyOpenSSL++;
      } else if (s !== null) {
        onlyOurs++;
        if (examples.length < 3) examples.push(`accepted by us only (OpenSSL: ${o.err}): ${Buffer.from(input).toString('hex')}`);
      }
    }
    if (s) osc.SSL_SESSION_free(s);
  }
  const secs = (Date.now() - started) / 1000;
  t.same(examples, []);
  t.equal(accepted + rejected, CASES);
  t.ok(accepted > CASES / 20 && rejected > CASES / 5, `accepted ${accepted}, rejected ${rejected} (${secs.toFixed(1)} s)`);
  t.equal(noError, 0, 'every null came with an error on the queue');
  t.equal(notDeterministic, 0, 'every accepted input re-encodes deterministically');
  t.equal(overRead, 0, 'never consumed past the length given');
  t.equal(reencodeDiffers, 0, `${bothAccept} of ${compared} sampled inputs accepted by both: identical re-encodings`);
  // We accept nothing OpenSSL refuses. OpenSSL accepts a few BER forms we
  // refuse (docs/differences.md, "DER"): indefinite lengths, and certificate
  // parts it would re-encode into other bytes.
  t.equal(onlyOurs, 0, `of ${compared} sampled inputs, none accepted by us only`);
  t.ok(onlyOpenSSL <= compared / 1000, `${onlyOpenSSL} of ${compared} sampled inputs accepted by OpenSSL only`);
});
