import t from 'tap';
import * as osc from '..';

t.test('the package loads and exposes OpenSSL names', async (t) => {
  t.equal(typeof osc.SSL_CTX_new, 'function');
  t.equal(osc.SSL_SESS_CACHE_SERVER, 0x0002);
});
