import t from 'tap';
import * as osc from '..';

t.test('SSL_CTX_new defaults', async (t) => {
  for (const method of [osc.TLS_method(), osc.TLS_server_method(), osc.TLS_client_method()]) {
    const ctx = osc.SSL_CTX_new(method);
    t.equal(osc.SSL_CTX_get_session_cache_mode(ctx), osc.SSL_SESS_CACHE_SERVER);
    t.equal(osc.SSL_CTX_sess_get_cache_size(ctx), osc.SSL_SESSION_CACHE_MAX_SIZE_DEFAULT);
    t.equal(osc.SSL_CTX_get_timeout(ctx), 7200);
    for (let cmd = osc.SSL_CTRL_SESS_NUMBER; cmd <= osc.SSL_CTRL_SESS_CACHE_FULL; cmd++) {
      t.equal(osc.SSL_CTX_ctrl(ctx, cmd, 0, null), 0, `stat ${cmd} starts at 0`);
    }
    t.equal(osc.SSL_CTX_sess_get_new_cb(ctx), null);
    t.equal(osc.SSL_CTX_sess_get_remove_cb(ctx), null);
    t.equal(osc.SSL_CTX_sess_get_get_cb(ctx), null);
    osc.SSL_CTX_free(ctx);
  }
  t.throws(() => osc.SSL_CTX_new({} as never), TypeError);
});

t.test('mode: stored as given, previous returned', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  t.equal(osc.SSL_CTX_set_session_cache_mode(ctx, osc.SSL_SESS_CACHE_BOTH | osc.SSL_SESS_CACHE_NO_AUTO_CLEAR), 2);
  t.equal(osc.SSL_CTX_get_session_cache_mode(ctx), 0x83);
  t.equal(osc.SSL_CTX_set_session_cache_mode(ctx, 0xffff), 0x83, 'any bits are stored');
  t.equal(osc.SSL_CTX_ctrl(ctx, osc.SSL_CTRL_GET_SESS_CACHE_MODE), 0xffff);
  t.equal(osc.SSL_CTX_ctrl(ctx, osc.SSL_CTRL_SET_SESS_CACHE_MODE, -1), 0xffff);
  t.equal(osc.SSL_CTX_get_session_cache_mode(ctx), 4294967295, 'kept in 32 unsigned bits, as OpenSSL');
  t.equal(osc.SSL_CTX_ctrl(ctx, osc.SSL_CTRL_SET_SESS_CACHE_MODE, osc.SSL_SESS_CACHE_OFF), 4294967295);
  t.equal(osc.SSL_CTX_get_session_cache_mode(ctx), 0);
  osc.SSL_CTX_free(ctx);
});

t.test('cache size: negative refused, previous returned, ctrl forms', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  t.equal(osc.SSL_CTX_sess_set_cache_size(ctx, 10), 20480);
  t.equal(osc.SSL_CTX_sess_set_cache_size(ctx, -1), 0, 'negative size returns 0');
  t.equal(osc.SSL_CTX_sess_get_cache_size(ctx), 10, 'and changes nothing');
  t.equal(osc.SSL_CTX_ctrl(ctx, osc.SSL_CTRL_SET_SESS_CACHE_SIZE, 0), 10);
  t.equal(osc.SSL_CTX_ctrl(ctx, osc.SSL_CTRL_GET_SESS_CACHE_SIZE), 0);
  t.equal(osc.SSL_CTX_ctrl(ctx, 9999, 5), 0, 'unknown commands answer 0');
  osc.SSL_CTX_free(ctx);
});

t.test('timeout: previous returned, any value stored', async (t) => {
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  t.equal(osc.SSL_CTX_set_timeout(ctx, 300), 7200);
  t.equal(osc.SSL_CTX_set_timeout(ctx, -5), 300);
  t.equal(osc.SSL_CTX_set_timeout(ctx, 0), -5, 'negative values are stored as given');
  t.equal(osc.SSL_CTX_get_timeout(ctx), 0);
  osc.SSL_CTX_free(ctx);
});

t.test('reference counting and ex_data free at the last reference', async (t) => {
  const log: string[] = [];
  const idx = osc.SSL_CTX_get_ex_new_index(3, 'p', null, null, (parent, ptr, ad, i, argl, argp) => {
    log.push(`${String(ptr)} ${ad} ${i === idx} ${argl} ${String(argp)}`);
    t.equal(osc.SSL_CTX_get_ex_data(parent, idx), 'v', 'ex_data still readable in free');
  });
  const ctx = osc.SSL_CTX_new(osc.TLS_method());
  t.equal(osc.SSL_CTX_set_ex_data(ctx, idx, 'v'), 1);
  t.equal(osc.SSL_CTX_set_app_data(ctx, { a: 1 }), 1);
  t.same(osc.SSL_CTX_get_app_data(ctx), { a: 1 });
  t.equal(osc.SSL_CTX_up_ref(ctx), 1);
  osc.SSL_CTX_free(ctx);
  t.same(log, []);
  t.equal(osc.SSL_CTX_sess_number(ctx), 0, 'still usable');
  osc.SSL_CTX_free(ctx);
  t.same(log, ['v null true 3 p']);
  t.throws(() => osc.SSL_CTX_sess_number(ctx), { code: 'ERR_USE_AFTER_FREE' });
  osc.SSL_CTX_free(null);
});
