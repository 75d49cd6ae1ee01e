// Runs an ops.ts sequence against this package and writes the trace the
// oracle (test/oracle/oracle.cc) writes for real OpenSSL. The two
// interpreters must stay line-for-line alike: same labels, same eligibility
// rules, same trace spelling.

import * as testing from 'openssl-session-cache/testing';
import type { Out, SSL, SSL_CTX, SSL_SESSION } from '../..';
import * as ssl from '../..';
import { evalTime, hex, ID_POOL, type Op, SID_CTX_POOL, WIRE_IDS } from './ops';

interface Sess {
  p: SSL_SESSION;
  owned: number;
  destroyed: boolean;
  bound: number;
}
interface Ctx {
  p: SSL_CTX;
  refs: number;
  server: boolean;
  destroyed: boolean;
  newCb: string;
  getCb: string;
  getSess: number;
  getCopy: number;
  removeCb: boolean;
}

class Run {
  sess: Sess[] = [];
  ctx: Ctx[] = [];
  trace: string[] = [];
  gen: { ret: number; bytes: Uint8Array; len: number } = { ret: 1, bytes: new Uint8Array(0), len: -1 };
  /** During a handshake or connect: the connection's session context (see cbCtx). */
  sessionCtx = -1;
  active = true;

  constructor(readonly now: bigint) {}

  T(line: string): void {
    this.trace.push(line);
  }

  ctxLabel(p: SSL_CTX): number {
    let any = -1;
    for (let i = 0; i < this.ctx.length; i++) {
      if (this.ctx[i].p !== p) continue;
      if (!this.ctx[i].destroyed) return i;
      if (any < 0) any = i;
    }
    return any;
  }

  label(s: SSL_SESSION, ctx: number): number {
    const v = ssl.SSL_SESSION_get_ex_data(s, exIndex);
    let label: number;
    if (typeof v === 'number') {
      label = v - 1;
    } else {
      label = this.sess.length;
      this.sess.push({ p: s, owned: 0, destroyed: false, bound: -1 });
      ssl.SSL_SESSION_set_ex_data(s, exIndex, label + 1);
    }
    if (ctx >= 0 && this.sess[label].bound < 0) this.sess[label].bound = ctx;
    return label;
  }

  // ---- callbacks -----------------------------------------------------------

  onFree(ptr: unknown): void {
    if (typeof ptr !== 'number' || !this.active) return;
    const label = ptr - 1;
    if (label < this.sess.length) {
      this.sess[label].destroyed = true;
      this.T(`  destroy s${label}`);
    }
  }

  removeCb = (ctx: SSL_CTX, s: SSL_SESSION): void => {
    const c = this.ctxLabel(ctx);
    const l = this.label(s, c);
    this.T(`  remove c${c} s${l} resumable=${ssl.SSL_SESSION_is_resumable(s)}`);
  };

  /** The context a cache callback acts for: the connection's session context. */
  cbCtx(conn: SSL): number {
    return this.sessionCtx >= 0 ? this.sessionCtx : this.ctxLabel(ssl.SSL_get_SSL_CTX(conn));
  }

  newCb = (conn: SSL, s: SSL_SESSION): number => {
    const c = this.cbCtx(conn);
    const l = this.label(s, c);
    const keep = this.ctx[c].newCb === 'keep' ? 1 : 0;
    if (keep) this.sess[l].owned++; // the application keeps the reference
    this.T(`  new c${c} s${l} -> ${keep}`);
    return keep;
  };

  legal(s: Sess, ctx: number, copy: number): boolean {
    return !s.destroyed && (s.bound < 0 || s.bound === ctx) && (copy !== 0 || s.owned > 0);
  }

  getCb = (conn: SSL, id: Uint8Array, len: number, copy: Out<number>): SSL_SESSION | null => {
    const c = this.cbCtx(conn);
    const x = this.ctx[c];
    const want = id.subarray(0, len);
    const cand: number[] = [];
    for (let i = 0; i < this.sess.length; i++) {
      if (!this.legal(this.sess[i], c, x.getCopy)) continue;
      if (Buffer.compare(ssl.SSL_SESSION_get_id(this.sess[i].p), want) !== 0) continue; // only the requested id (see ops.ts)
      cand.push(i);
    }
    let pick = -1;
    if (x.getCb !== 'null' && cand.length > 0) pick = x.getCb === 'byId' ? cand[0] : cand[x.getSess % cand.length];
    const line = `  get c${c} id=${hex(want)} -> `;
    if (pick < 0) {
      this.T(`${line}null`);
      return null;
    }
    copy.value = x.getCopy;
    if (x.getCopy === 0) this.sess[pick].owned--; // our reference goes to the library
    if (this.sess[pick].bound < 0) this.sess[pick].bound = c;
    this.T(`${line}s${pick} copy=${x.getCopy}`);
    return this.sess[pick].p;
  };

  genCb = (conn: SSL, id: Uint8Array, idLen: Out<number>): number => {
    const c = this.cbCtx(conn);
    const n = Math.min(this.gen.bytes.length, idLen.value);
    id.set(this.gen.bytes.subarray(0, n));
    const len = this.gen.len < 0 ? this.gen.bytes.length : this.gen.len;
    idLen.value = len;
    this.T(`  genid c${c} -> ${this.gen.ret} len=${len}`);
    return this.gen.ret;
  };

  // ---- picking -------------------------------------------------------------

  pickCtx(k: number, kind: 'any' | 'server' | 'client'): number {
    const c: number[] = [];
    this.ctx.forEach((x, i) => {
      if (!x.destroyed && (kind === 'any' || x.server === (kind === 'server'))) c.push(i);
    });
    return c.length === 0 ? -1 : c[k % c.length];
  }

  /** kind: 0 alive, 1 owned, 2 addable to ctx. */
  pickSess(k: number, kind: number, ctx: number): number {
    const c: number[] = [];
    this.sess.forEach((s, i) => {
      if (s.destroyed) return;
      if (kind === 1 && s.owned <= 0) return;
      if (kind === 2 && s.bound >= 0 && s.bound !== ctx) return;
      c.push(i);
    });
    return c.length === 0 ? -1 : c[k % c.length];
  }

  // ---- trace helpers -------------------------------------------------------

  stats(): void {
    this.ctx.forEach((x, i) => {
      if (x.destroyed) return;
      const c = x.p;
      this.T(
        `  stats c${i} n=${ssl.SSL_CTX_sess_number(c)} connect=${ssl.SSL_CTX_sess_connect(c)}` +
          `/${ssl.SSL_CTX_sess_connect_good(c)}/${ssl.SSL_CTX_sess_connect_renegotiate(c)}` +
          ` accept=${ssl.SSL_CTX_sess_accept(c)}/${ssl.SSL_CTX_sess_accept_good(c)}` +
          `/${ssl.SSL_CTX_sess_accept_renegotiate(c)} hits=${ssl.SSL_CTX_sess_hits(c)}` +
          ` cb_hits=${ssl.SSL_CTX_sess_cb_hits(c)} misses=${ssl.SSL_CTX_sess_misses(c)}` +
          ` timeouts=${ssl.SSL_CTX_sess_timeouts(c)} cache_full=${ssl.SSL_CTX_sess_cache_full(c)}`,
      );
      // Not in OpenSSL's trace: any line here is a disagreement by construction.
      if (!testing.debugCacheConsistent(c)) this.T(`  INCONSISTENT c${i}`);
    });
  }

  errors(): void {
    const e = ssl.ERR_peek_error();
    if (e !== 0) this.T(`  err ${ssl.ERR_GET_LIB(e)}:${ssl.ERR_GET_REASON(e)}`);
    ssl.ERR_clear_error();
  }

  freeCtx(c: number): void {
    this.ctx[c].refs--;
    ssl.SSL_CTX_free(this.ctx[c].p);
    if (this.ctx[c].refs === 0) this.ctx[c].destroyed = true;
  }

  // ---- ops -----------------------------------------------------------------

  handshake(pre: string, c: number, o: Extract<Op, { op: 'handshake' }>): void {
    const w = {
      proposeBytes: ID_POOL[o.propose],
      sslSidCtxBytes: o.sslSidCtx < 0 ? null : SID_CTX_POOL[o.sslSidCtx],
      probeBytes: o.probe < 0 ? null : ID_POOL[o.probe],
    };
    this.gen = { ret: o.gen.ret, bytes: ID_POOL[o.gen.id], len: o.gen.len };
    let line = `${pre} handshake c${c} v=${o.version} propose=${hex(w.proposeBytes)}`;
    const srv: SSL = ssl.SSL_new(this.ctx[c].p);
    if (w.sslSidCtxBytes !== null) {
      const r = ssl.SSL_set_session_id_context(srv, w.sslSidCtxBytes, w.sslSidCtxBytes.length);
      line += ` ssl_sid_ctx=${hex(w.sslSidCtxBytes)}:${r}`;
    }
    if (o.sni >= 0) {
      const c2 = this.pickCtx(o.sni, 'server');
      ssl.SSL_set_SSL_CTX(srv, this.ctx[c2].p);
      line += ` sni=c${c2}`;
    }
    this.T(line);
    this.errors();
    this.sessionCtx = c;
    // The server side of a handshake as SSL_accept drives the cache; the
    // client proposes an id (or none) and the server negotiates `version`.
    const result = ssl.simulateServerHandshake(srv, {
      version: o.version,
      ...(w.proposeBytes.length > 0 ? { sessionId: w.proposeBytes } : {}),
    });
    const ok = result.error === undefined ? 1 : 0;
    let res = `${pre} hs_result ok=${ok}`;
    if (ok === 1) {
      const s: SSL_SESSION | null = ssl.SSL_get0_session(srv);
      res += ` reused=${ssl.SSL_session_reused(srv)}`;
      if (s !== null) res += ` sess=s${this.label(s, c)}`;
    }
    if (w.probeBytes !== null) res += ` probe=${ssl.SSL_has_matching_session_id(srv, w.probeBytes, w.probeBytes.length)}`;
    this.finish(pre, srv, res, o.shutdown);
  }

  connect(pre: string, c: number, o: Extract<Op, { op: 'connect' }>): void {
    let peerId = ID_POOL[o.serverId];
    const cli: SSL = ssl.SSL_new(this.ctx[c].p);
    ssl.SSL_set_min_proto_version(cli, o.version);
    ssl.SSL_set_max_proto_version(cli, o.version);
    const l = o.sess >= 0 ? this.pickSess(o.sess, 0, -1) : -1;
    // A peer never gives a new session the id it was offered (ops.ts).
    if (l >= 0 && peerId.length > 0 && Buffer.compare(peerId, ssl.SSL_SESSION_get_id(this.sess[l].p)) === 0) {
      peerId = ID_POOL[(o.serverId % (WIRE_IDS - 1)) + 1];
    }
    let line = `${pre} connect c${c} v=${o.version} peer=${o.serverResumes ? 'resume' : 'full'}:${hex(peerId)}`;
    if (l >= 0) line += ` propose=s${l}:${ssl.SSL_set_session(cli, this.sess[l].p)}`;
    this.T(line);
    this.errors();
    this.sessionCtx = c;
    const result = ssl.simulateClientHandshake(cli, {
      serverResumed: o.serverResumes,
      serverSessionId: peerId,
      version: o.version,
    });
    const ok = result.error === undefined ? 1 : 0;
    let res = `${pre} conn_result ok=${ok}`;
    if (ok === 1) {
      const s: SSL_SESSION | null = ssl.SSL_get0_session(cli);
      res += ` reused=${ssl.SSL_session_reused(cli)}`;
      if (s !== null) res += ` sess=s${this.label(s, c)} id=${hex(ssl.SSL_SESSION_get_id(s))}`;
    }
    this.finish(pre, cli, res, o.shutdown);
  }

  /** The end of a handshake or connect: its result line, then SSL_free (shut down first if asked). */
  finish(pre: string, conn: SSL, result: string, shutdown: boolean): void {
    this.T(result);
    this.errors();
    if (shutdown) ssl.SSL_set_shutdown(conn, ssl.SSL_SENT_SHUTDOWN | ssl.SSL_RECEIVED_SHUTDOWN);
    this.T(`${pre} ssl_free`);
    ssl.SSL_free(conn);
    this.sessionCtx = -1;
  }

  op(i: number, o: Op): void {
    const pre = String(i);
    const now = this.now;
    if (o.op === 'ctx_new') {
      const p = ssl.SSL_CTX_new(o.server ? ssl.TLS_server_method() : ssl.TLS_client_method());
      if (o.server && typeof ssl.SSL_CTX_set_generate_session_id === 'function') ssl.SSL_CTX_set_generate_session_id(p, this.genCb);
      this.ctx.push({
        p,
        refs: 1,
        server: o.server,
        destroyed: false,
        newCb: 'none',
        getCb: 'none',
        getSess: 0,
        getCopy: 1,
        removeCb: false,
      });
      this.T(`${pre} ctx_new server=${o.server ? 1 : 0} -> c${this.ctx.length - 1}`);
      return;
    }
    if (o.op === 'sess_new') {
      const s = ssl.SSL_SESSION_new();
      const l = this.label(s, -1);
      this.sess[l].owned = 1;
      const id = ID_POOL[o.id];
      const sc = SID_CTX_POOL[o.sidCtx];
      if (o.version >= 0) ssl.SSL_SESSION_set_protocol_version(s, o.version);
      let line = `${pre} sess_new -> s${l} v=${o.version}`;
      if (id.length > 0) line += ` id=${hex(id)}:${ssl.SSL_SESSION_set1_id(s, id, id.length)}`;
      if (sc.length > 0) line += ` sid_ctx=${hex(sc)}:${ssl.SSL_SESSION_set1_id_context(s, sc, sc.length)}`;
      if (o.time !== null) {
        const t = evalTime(o.time, now);
        line += ` time=${t}:${ssl.SSL_SESSION_set_time(s, t)}`;
      }
      if (o.timeout !== null) {
        const t = evalTime(o.timeout, now);
        line += ` timeout=${t}:${ssl.SSL_SESSION_set_timeout(s, t)}`;
      }
      this.T(line);
      return;
    }
    if ('ctx' in o) {
      const c = this.pickCtx(o.ctx, o.op === 'handshake' ? 'server' : o.op === 'connect' ? 'client' : 'any');
      if (c < 0) return this.T(`${pre} skip`);
      const x = this.ctx[c];
      const cs = ` c${c}`;
      switch (o.op) {
        case 'ctx_up_ref': {
          const r = ssl.SSL_CTX_up_ref(x.p);
          x.refs++;
          this.T(`${pre} ctx_up_ref${cs} -> ${r}`);
          return;
        }
        case 'ctx_free':
          this.T(`${pre} ctx_free${cs}`);
          return this.freeCtx(c);
        case 'set_mode':
          this.T(`${pre} set_mode${cs} ${o.mode} -> ${ssl.SSL_CTX_set_session_cache_mode(x.p, o.mode)}`);
          return;
        case 'set_cache_size':
          this.T(`${pre} set_cache_size${cs} ${o.size} -> ${ssl.SSL_CTX_sess_set_cache_size(x.p, o.size)}`);
          return;
        case 'set_ctx_timeout':
          this.T(`${pre} set_ctx_timeout${cs} ${o.timeout} -> ${ssl.SSL_CTX_set_timeout(x.p, o.timeout)}`);
          return;
        case 'set_sid_ctx': {
          const b = SID_CTX_POOL[o.sidCtx];
          this.T(`${pre} set_sid_ctx${cs} ${hex(b)} -> ${ssl.SSL_CTX_set_session_id_context(x.p, b, b.length)}`);
          return;
        }
        case 'set_verify': {
          const m = o.peer ? ssl.SSL_VERIFY_PEER : ssl.SSL_VERIFY_NONE;
          ssl.SSL_CTX_set_verify(x.p, m, null);
          this.T(`${pre} set_verify${cs} ${m}`);
          return;
        }
        case 'set_remove_cb':
          x.removeCb = o.on;
          ssl.SSL_CTX_sess_set_remove_cb(x.p, o.on ? this.removeCb : null);
          this.T(`${pre} set_remove_cb${cs} ${o.on ? 1 : 0}`);
          return;
        case 'set_new_cb':
          x.newCb = o.cb;
          ssl.SSL_CTX_sess_set_new_cb(x.p, o.cb === 'none' ? null : this.newCb);
          this.T(`${pre} set_new_cb${cs} ${o.cb}`);
          return;
        case 'set_get_cb':
          x.getCb = o.cb;
          x.getSess = o.sess;
          x.getCopy = o.copy;
          ssl.SSL_CTX_sess_set_get_cb(x.p, o.cb === 'none' ? null : this.getCb);
          this.T(`${pre} set_get_cb${cs} ${o.cb} ${o.sess} copy=${o.copy}`);
          return;
        case 'flush': {
          const t = evalTime(o.t, now);
          this.T(`${pre} flush${cs} ${t}`);
          return ssl.SSL_CTX_flush_sessions(x.p, t);
        }
        case 'has_matching': {
          const id = ID_POOL[o.id];
          const conn: SSL = ssl.SSL_new(x.p);
          this.T(`${pre} has_matching${cs} ${hex(id)} -> ${ssl.SSL_has_matching_session_id(conn, id, id.length)}`);
          return ssl.SSL_free(conn);
        }
        case 'handshake':
          return this.handshake(pre, c, o);
        case 'connect':
          return this.connect(pre, c, o);
        case 'add':
        case 'remove': {
          const add = o.op === 'add';
          const l = this.pickSess(o.sess, add ? 2 : 0, c);
          if (l < 0) return this.T(`${pre} skip`);
          this.T(`${pre} ${o.op}${cs} s${l}`);
          if (add) this.sess[l].bound = c;
          const r = add ? ssl.SSL_CTX_add_session(x.p, this.sess[l].p) : ssl.SSL_CTX_remove_session(x.p, this.sess[l].p);
          this.T(`${pre} -> ${r}`);
          return;
        }
      }
      return;
    }
    const l = this.pickSess(o.sess, o.op === 'sess_free' ? 1 : 0, -1);
    if (l < 0) return this.T(`${pre} skip`);
    const s = this.sess[l];
    const ss = ` s${l}`;
    switch (o.op) {
      case 'sess_up_ref':
        s.owned++;
        this.T(`${pre} sess_up_ref${ss} -> ${ssl.SSL_SESSION_up_ref(s.p)}`);
        return;
      case 'sess_free':
        s.owned--;
        this.T(`${pre} sess_free${ss}`);
        return ssl.SSL_SESSION_free(s.p);
      case 'set_time': {
        const t = evalTime(o.t, now);
        this.T(`${pre} set_time${ss} ${t} -> ${ssl.SSL_SESSION_set_time(s.p, t)}`);
        return;
      }
      case 'set_timeout': {
        const t = evalTime(o.t, now);
        this.T(`${pre} set_timeout${ss} ${t} -> ${ssl.SSL_SESSION_set_timeout(s.p, t)}`);
        return;
      }
      case 'is_resumable':
        this.T(`${pre} is_resumable${ss} -> ${ssl.SSL_SESSION_is_resumable(s.p)}`);
        return;
    }
  }

  cleanup(): void {
    for (let c = 0; c < this.ctx.length; c++) {
      while (!this.ctx[c].destroyed) {
        this.T(`end ctx_free c${c}`);
        this.freeCtx(c);
      }
    }
    for (let l = 0; l < this.sess.length; l++) {
      while (this.sess[l].owned > 0 && !this.sess[l].destroyed) {
        this.sess[l].owned--;
        this.T(`end sess_free s${l}`);
        ssl.SSL_SESSION_free(this.sess[l].p);
      }
    }
  }
}

let current: Run | null = null;
const exIndex = ssl.SSL_SESSION_get_ex_new_index(0, null, null, null, (_parent: unknown, ptr: unknown) => current?.onFree(ptr));

/** Runs `ops` on this package with its clock fixed at `now`; returns the trace. */
export function runOurs(ops: readonly Op[], now: bigint): string[] {
  const run = new Run(now);
  current = run;
  ssl.ERR_clear_error();
  testing.setTestTime(now);
  try {
    ops.forEach((o, i) => {
      run.op(i, o);
      run.errors();
      run.stats();
    });
    run.cleanup();
    run.errors();
  } finally {
    run.active = false;
    current = null;
    testing.setTestTime(null);
  }
  return run.trace;
}
