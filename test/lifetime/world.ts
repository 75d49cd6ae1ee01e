// The lifetime fuzzer's world: every SSL_CTX, SSL and SSL_SESSION a run made, with the number
// of references the program holds on each (its model of OpenSSL's count, minus what the core
// holds), and hostile callbacks drawn from the run's list of bodies. Every API call is checked
// against the model as it happens; `violations` collects what broke a rule.
import * as tls from 'node:tls';
import * as testing from 'openssl-session-cache/testing';
import type { SSL, SSL_CTX, SSL_SESSION } from '../..';
import * as osc from '../..';

type Handle = SSL_CTX | SSL | SSL_SESSION;
type Kind = 'ctx' | 'ssl' | 'sess';

export interface Rec {
  id: number;
  kind: Kind;
  h: Handle;
  owned: number; // references the program holds
  destroyed: number; // how many times its ex_data free callback ran
  dying: boolean; // the free callback is running
  hidden?: boolean; // an adapter's own connection: the program's other parts leave it alone
}

/** What a callback does: one step, drawn cyclically from the run's list. */
export type Body =
  | { do: 'nothing' }
  | { do: 'free' | 'upref'; pick: number } // an object of the world, by index
  | { do: 'freeGiven' | 'uprefGiven' } // the object the callback was given
  | { do: 'add' | 'remove'; ctx: number; sess: number }
  | { do: 'flush'; ctx: number; all: boolean }
  | { do: 'setData'; pick: number }
  | { do: 'throw' }
  | { do: 'recall'; ctx: number; which: 'remove' | 'new' | 'get'; off: boolean };

export type Op =
  | { op: 'newCtx' | 'newSess' }
  | { op: 'newSsl'; ctx: number }
  | { op: 'free' | 'upref'; pick: number }
  | { op: 'add' | 'remove'; ctx: number; sess: number }
  | { op: 'flush'; ctx: number; all: boolean }
  | { op: 'setSession'; ssl: number; sess: number }
  | { op: 'get1'; ssl: number }
  | { op: 'handshake'; ssl: number; id: number }
  | { op: 'lookup'; ssl: number; id: number }
  | { op: 'clear'; ssl: number }
  | { op: 'switchCtx'; ssl: number; ctx: number }
  | { op: 'dup'; sess: number }
  | { op: 'd2i'; sess: number }
  | { op: 'callbacks'; ctx: number; copy: number; keep: number }
  | { op: 'size'; ctx: number; n: number }
  | { op: 'time'; dt: number }
  | { op: 'adapterNew' | 'adapterResume'; ctx: number; sess: number };

const IDS = ['id-a', 'id-b', 'id-c', 'id-d'].map((s) => Buffer.from(s));
const CIPHER = osc.SSL_CIPHER_find(null, Buffer.from([0xc0, 0x2f]));
const DEPTH_LIMIT = 3;

/**
 * An object whose last reference went while a callback of its destruction runs (a context
 * flushing at SSL_CTX_free) may be refused as "being freed": the model cannot see that state
 * from outside, so that refusal is accepted where no other error is expected.
 */
function isBeingFreed(e: unknown): boolean {
  return (e as { code?: string }).code === 'ERR_USE_AFTER_FREE' && /is being freed/.test(String((e as Error).message));
}

/** An error a body threw on purpose: the operation it ran under must rethrow exactly this one. */
class Deliberate extends Error {}

interface Frame {
  first: Deliberate | null;
}

export class World {
  readonly recs: Rec[] = [];
  readonly byHandle = new Map<Handle, Rec>();
  readonly violations: string[] = [];
  private readonly frames: Frame[] = [];
  private bodyAt = 0;
  private depth = 0;
  private now = 10_000;

  // The Node adapter on a server per context, fed Node's events by hand (no sockets).
  private readonly servers = new Map<Rec, { server: tls.Server; adapter: osc.SessionCacheAdapter }>();
  private reported: unknown[] = [];

  constructor(private readonly bodies: Body[]) {}

  /**
   * Runs one Node event through the context's adapter. The adapter reports what callbacks threw
   * (its 'error' event) instead of throwing into Node: a deliberate throw must come out there.
   */
  private adapterEvent(ctx: Rec, emit: (server: tls.Server) => void): void {
    let a = this.servers.get(ctx);
    if (!a) {
      const server = tls.createServer({});
      const before = this.recs.length;
      const adapter = this.call('attachSessionCache', () => osc.attachSessionCache(server, ctx.h as SSL_CTX, { sessionIdContext: 'fuzz' }));
      if (!adapter) return;
      // The adapter is part of the program: it holds a reference on the context. Its own
      // connection's reference is the core's (a callback given it cannot free it); the rest of
      // the program does not reach it otherwise.
      ctx.owned++;
      const conn = this.recs.slice(before).find((r) => r.kind === 'ssl');
      if (conn) conn.hidden = true;
      adapter.on('error', (e: osc.SessionCacheError) => {
        this.reported.push(e.cause ?? e);
      });
      a = { server, adapter };
      this.servers.set(ctx, a);
    }
    const frame: Frame = { first: null };
    this.frames.push(frame);
    this.reported = [];
    try {
      emit(a.server);
    } catch (e) {
      this.violations.push(`an adapter event threw into Node: ${String(e)}`);
    } finally {
      this.frames.pop();
    }
    if (frame.first !== null && !this.reported.includes(frame.first))
      this.violations.push('a callback threw in an adapter step and it was not reported');
  }

  // ---------------------------------------------------------------- bookkeeping

  /** Called by the LIFE ex_data new callbacks: every object the core makes enters the world. */
  born(kind: Kind, h: Handle): void {
    const rec: Rec = { id: this.recs.length, kind, h, owned: 0, destroyed: 0, dying: false };
    this.recs.push(rec);
    this.byHandle.set(h, rec);
    this.runBody(h, 'new');
  }

  /** Called by the LIFE ex_data free callbacks. */
  died(h: Handle): void {
    const rec = this.byHandle.get(h);
    if (!rec) {
      this.violations.push('a free callback for an object never born');
      return;
    }
    rec.destroyed++;
    if (rec.destroyed > 1) this.violations.push(`${rec.kind}#${rec.id} destroyed twice`);
    if (rec.owned > 0) this.violations.push(`${rec.kind}#${rec.id} destroyed while the program held ${rec.owned} reference(s)`);
    rec.dying = true;
    try {
      this.runBody(h, 'free');
    } finally {
      rec.dying = false;
    }
  }

  private live(kind?: Kind): Rec[] {
    return this.recs.filter((r) => r.destroyed === 0 && !r.dying && !r.hidden && (kind === undefined || r.kind === kind));
  }

  private pick<K extends Kind>(kind: K | undefined, n: number): Rec | null {
    const all = this.recs.filter((r) => !r.hidden && (kind === undefined || r.kind === kind));
    return all.length === 0 ? null : all[n % all.length];
  }

  private livePick(kind: Kind, n: number): Rec | null {
    const all = this.live(kind);
    return all.length === 0 ? null : all[n % all.length];
  }

  /**
   * Runs one API call as a frame: deliberate throws of callbacks under it must come back out of
   * it, the first one; otherwise it must not throw unless `expect` says which code it throws.
   */
  call<T>(what: string, fn: () => T, expect: string | string[] | null = null): T | undefined {
    const frame: Frame = { first: null };
    this.frames.push(frame);
    let threw: unknown;
    let result: T | undefined;
    try {
      result = fn();
    } catch (e) {
      threw = e;
    } finally {
      this.frames.pop();
    }
    if (frame.first !== null) {
      if (threw !== frame.first)
        this.violations.push(
          `${what}: a callback threw, the call ${threw === undefined ? 'returned' : `threw ${String(threw)}`} instead of rethrowing it`,
        );
    } else if (expect !== null) {
      const code = (threw as { code?: string } | undefined)?.code;
      if (code === undefined || !([] as string[]).concat(expect).includes(code))
        this.violations.push(`${what}: expected ${expect}, got ${threw === undefined ? 'no error' : String(code ?? threw)}`);
    } else if (threw !== undefined && !isBeingFreed(threw)) {
      this.violations.push(`${what}: unexpected ${String((threw as Error).stack ?? threw)}`);
    }
    return result;
  }

  // ---------------------------------------------------------------- the model's rules

  /** SSL_SESSION_free / SSL_CTX_free / SSL_free on rec, as the model predicts it. */
  free(rec: Rec): void {
    const free = rec.kind === 'sess' ? osc.SSL_SESSION_free : rec.kind === 'ctx' ? osc.SSL_CTX_free : osc.SSL_free;
    if (rec.dying) {
      this.call('free of a dying object', () => free(rec.h as never), 'ERR_REFCOUNT');
      return;
    }
    // Destroyed: stale, or (while the rest of its destruction runs) refused.
    if (rec.destroyed > 0) {
      this.call('free after free', () => free(rec.h as never), ['ERR_USE_AFTER_FREE', 'ERR_REFCOUNT']);
      return;
    }
    if (rec.owned === 0) {
      this.call(`free of ${rec.kind}#${rec.id} held by nobody of the program`, () => free(rec.h as never), 'ERR_REFCOUNT');
      return;
    }
    rec.owned--;
    this.call(`free ${rec.kind}#${rec.id}`, () => free(rec.h as never));
  }

  upref(rec: Rec): void {
    const up = rec.kind === 'sess' ? osc.SSL_SESSION_up_ref : rec.kind === 'ctx' ? osc.SSL_CTX_up_ref : osc.SSL_up_ref;
    if (rec.destroyed > 0 || rec.dying) {
      this.call('up_ref of a dead object', () => up(rec.h as never), 'ERR_USE_AFTER_FREE');
      return;
    }
    // Refused (and not counted) for an object being freed that the model cannot see as such.
    if (this.call(`up_ref ${rec.kind}#${rec.id}`, () => up(rec.h as never)) === 1) rec.owned++;
  }

  /** Takes a reference the core handed to the program (a return value that is the caller's). */
  took(h: Handle | null | undefined): void {
    if (h === null || h === undefined) return;
    const rec = this.byHandle.get(h);
    if (!rec) this.violations.push('a handle for an object never born');
    else rec.owned++;
  }

  // ---------------------------------------------------------------- callbacks

  private nextBody(): Body {
    const b = this.bodies[this.bodyAt % this.bodies.length];
    this.bodyAt++;
    return b;
  }

  /** One hostile step in a callback about `given`. */
  runBody(given: Handle, where: string): void {
    if (this.depth >= DEPTH_LIMIT) return;
    const b = this.nextBody();
    this.depth++;
    try {
      this.body(b, given, where);
    } finally {
      this.depth--;
    }
  }

  private body(b: Body, given: Handle, where: string): void {
    switch (b.do) {
      case 'nothing':
        return;
      case 'free': {
        const r = this.pick(undefined, b.pick);
        if (r) this.free(r);
        return;
      }
      case 'upref': {
        const r = this.pick(undefined, b.pick);
        if (r) this.upref(r);
        return;
      }
      case 'freeGiven': {
        const r = this.byHandle.get(given);
        if (r) this.free(r);
        return;
      }
      case 'uprefGiven': {
        const r = this.byHandle.get(given);
        if (r) this.upref(r);
        return;
      }
      case 'add':
        this.add(b.ctx, b.sess);
        return;
      case 'remove':
        this.remove(b.ctx, b.sess);
        return;
      case 'flush':
        this.flush(b.ctx, b.all);
        return;
      case 'setData': {
        const r = this.pick(undefined, b.pick);
        if (!r || r.destroyed > 0) return;
        const set = r.kind === 'sess' ? osc.SSL_SESSION_set_app_data : r.kind === 'ctx' ? osc.SSL_CTX_set_app_data : osc.SSL_set_app_data;
        this.call('set app_data', () => set(r.h as never, { from: where }));
        return;
      }
      case 'throw': {
        const e = new Deliberate(`deliberate throw in a ${where} callback`);
        const frame = this.frames[this.frames.length - 1];
        if (frame && frame.first === null) frame.first = e;
        throw e;
      }
      case 'recall': {
        const r = this.livePick('ctx', b.ctx);
        if (r) this.install(r, b.which, b.off);
        return;
      }
    }
  }

  install(ctx: Rec, which: 'remove' | 'new' | 'get', off: boolean, copy = 1, keep = 0): void {
    const h = ctx.h as SSL_CTX;
    if (which === 'remove') {
      this.call('set remove cb', () =>
        osc.SSL_CTX_sess_set_remove_cb(
          h,
          off
            ? null
            : (_c, s) => {
                this.runBody(s, 'remove');
              },
        ),
      );
    } else if (which === 'new') {
      this.call('set new cb', () =>
        osc.SSL_CTX_sess_set_new_cb(
          h,
          off
            ? null
            : (_ssl, s) => {
                this.runBody(s, 'new-session');
                if (keep === 0) return 0;
                const r = this.byHandle.get(s);
                if (r) r.owned++; // returning 1 keeps the lent reference
                return 1;
              },
        ),
      );
    } else {
      this.call('set get cb', () =>
        osc.SSL_CTX_sess_set_get_cb(
          h,
          off
            ? null
            : (_ssl, _id, _len, c) => {
                this.runBody(h, 'get');
                const cand = this.livePick('sess', this.bodyAt);
                if (!cand) return null;
                if (copy === 0) {
                  c.value = 0;
                  if (cand.owned > 0) cand.owned--; // handed over (or, holding none, the core takes its own)
                }
                return cand.h as SSL_SESSION;
              },
        ),
      );
    }
  }

  // ---------------------------------------------------------------- operations

  add(c: number, s: number): void {
    const ctx = this.livePick('ctx', c);
    const sess = this.livePick('sess', s);
    if (ctx && sess) this.call('add', () => osc.SSL_CTX_add_session(ctx.h as SSL_CTX, sess.h as SSL_SESSION));
  }

  remove(c: number, s: number): void {
    const ctx = this.livePick('ctx', c);
    const sess = this.livePick('sess', s);
    if (ctx && sess) this.call('remove', () => osc.SSL_CTX_remove_session(ctx.h as SSL_CTX, sess.h as SSL_SESSION));
  }

  flush(c: number, all: boolean): void {
    const ctx = this.livePick('ctx', c);
    if (ctx) this.call('flush', () => osc.SSL_CTX_flush_sessions(ctx.h as SSL_CTX, all ? 0 : this.now));
  }

  apply(o: Op): void {
    switch (o.op) {
      case 'newCtx':
        this.took(this.call('SSL_CTX_new', () => osc.SSL_CTX_new(osc.TLS_server_method())));
        return;
      case 'newSess': {
        const s = this.call('SSL_SESSION_new', () => osc.SSL_SESSION_new());
        this.took(s);
        if (s) {
          this.call('set1_id', () => osc.SSL_SESSION_set1_id(s, IDS[this.recs.length % IDS.length]));
          this.call('set version', () => osc.SSL_SESSION_set_protocol_version(s, osc.TLS1_2_VERSION));
          this.call('set time', () => osc.SSL_SESSION_set_time(s, this.now));
          this.call('set cipher', () => osc.SSL_SESSION_set_cipher(s, CIPHER!));
        }
        return;
      }
      case 'newSsl': {
        const ctx = this.livePick('ctx', o.ctx);
        if (ctx) this.took(this.call('SSL_new', () => osc.SSL_new(ctx.h as SSL_CTX)));
        return;
      }
      case 'free': {
        const r = this.pick(undefined, o.pick);
        if (r) this.free(r);
        return;
      }
      case 'upref': {
        const r = this.pick(undefined, o.pick);
        if (r) this.upref(r);
        return;
      }
      case 'add':
        this.add(o.ctx, o.sess);
        return;
      case 'remove':
        this.remove(o.ctx, o.sess);
        return;
      case 'flush':
        this.flush(o.ctx, o.all);
        return;
      case 'setSession': {
        const ssl = this.livePick('ssl', o.ssl);
        const sess = this.livePick('sess', o.sess);
        if (ssl && sess) this.call('SSL_set_session', () => osc.SSL_set_session(ssl.h as SSL, sess.h as SSL_SESSION));
        return;
      }
      case 'get1': {
        const ssl = this.livePick('ssl', o.ssl);
        if (ssl) this.took(this.call('SSL_get1_session', () => osc.SSL_get1_session(ssl.h as SSL)));
        return;
      }
      case 'handshake': {
        const ssl = this.livePick('ssl', o.ssl);
        if (!ssl) return;
        const h = ssl.h as SSL;
        this.call('SSL_clear', () => osc.SSL_clear(h));
        if (this.recs[ssl.id].destroyed > 0) return;
        this.call('simulateServerHandshake', () => osc.simulateServerHandshake(h, { sessionId: IDS[o.id % IDS.length] }));
        return;
      }
      case 'lookup': {
        const ssl = this.livePick('ssl', o.ssl);
        if (!ssl) return;
        this.took(this.call('lookup_sess_in_cache', () => osc.lookup_sess_in_cache(ssl.h as SSL, IDS[o.id % IDS.length])));
        return;
      }
      case 'clear': {
        const ssl = this.livePick('ssl', o.ssl);
        if (ssl) this.call('SSL_clear', () => osc.SSL_clear(ssl.h as SSL));
        return;
      }
      case 'switchCtx': {
        const ssl = this.livePick('ssl', o.ssl);
        const ctx = this.livePick('ctx', o.ctx);
        if (ssl && ctx) this.call('SSL_set_SSL_CTX', () => osc.SSL_set_SSL_CTX(ssl.h as SSL, ctx.h as SSL_CTX));
        return;
      }
      case 'dup': {
        const s = this.livePick('sess', o.sess);
        if (s) this.took(this.call('SSL_SESSION_dup', () => osc.SSL_SESSION_dup(s.h as SSL_SESSION)));
        return;
      }
      case 'd2i': {
        const s = this.livePick('sess', o.sess);
        if (!s) return;
        const der = this.call('sessionToDer', () => osc.sessionToDer(s.h as SSL_SESSION));
        if (der) this.took(this.call('sessionFromDer', () => osc.sessionFromDer(der)));
        return;
      }
      case 'callbacks': {
        const ctx = this.livePick('ctx', o.ctx);
        if (!ctx) return;
        this.install(ctx, 'remove', false);
        this.install(ctx, 'new', false, 1, o.keep);
        this.install(ctx, 'get', o.copy > 1, o.copy);
        return;
      }
      case 'size': {
        const ctx = this.livePick('ctx', o.ctx);
        if (ctx) this.call('size', () => osc.SSL_CTX_sess_set_cache_size(ctx.h as SSL_CTX, o.n));
        return;
      }
      case 'time':
        this.now += o.dt;
        testing.setTestTime(this.now);
        return;
      case 'adapterNew':
      case 'adapterResume': {
        const ctx = this.livePick('ctx', o.ctx);
        const s = this.livePick('sess', o.sess);
        if (!ctx || !s) return;
        const der = this.call('sessionToDer', () => osc.sessionToDer(s.h as SSL_SESSION));
        if (!der) return;
        const id = Buffer.from(osc.SSL_SESSION_get_id(s.h as SSL_SESSION));
        if (o.op === 'adapterNew') this.adapterEvent(ctx, (srv) => srv.emit('newSession', id, Buffer.from(der), () => undefined));
        else this.adapterEvent(ctx, (srv) => srv.emit('resumeSession', id, () => undefined));
        return;
      }
    }
  }

  /** The invariants after each step: every live context's cache is consistent. */
  check(): void {
    for (const r of this.live('ctx')) {
      if (!testing.debugCacheConsistent(r.h as SSL_CTX)) this.violations.push(`ctx#${r.id} inconsistent`);
    }
  }

  /** Frees what the program holds (adapters, connections, then contexts, then sessions). */
  teardown(): void {
    this.bodies.length = 0;
    this.bodies.push({ do: 'nothing' });
    for (const [ctx, { adapter }] of this.servers) {
      // detach drops the adapter's connection (the core's reference) and its context reference
      // (one the program holds, unless another part of it freed that one already)
      if (ctx.owned > 0) ctx.owned--;
      adapter.detach();
    }
    this.servers.clear();
    for (const kind of ['ssl', 'ctx', 'sess'] as const) {
      for (const r of this.recs) {
        if (r.kind !== kind) continue;
        while (r.owned > 0 && r.destroyed === 0) this.free(r);
      }
    }
  }
}
