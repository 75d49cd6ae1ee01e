// Opaque handle types and the shapes of C's pointers, out-parameters and
// callbacks (docs/api.md describes how C's API maps onto them).

declare const handleKind: unique symbol;

/** An `SSL_CTX *`. Opaque; `===` is pointer equality while the handle lives. */
export interface SSL_CTX {
  readonly [handleKind]: 'SSL_CTX';
}
/** An `SSL *` (a connection). */
export interface SSL {
  readonly [handleKind]: 'SSL';
}
/** An `SSL_SESSION *`. */
export interface SSL_SESSION {
  readonly [handleKind]: 'SSL_SESSION';
}
/** A `const SSL_METHOD *`, from TLS_method() and friends. */
export interface SSL_METHOD {
  readonly [handleKind]: 'SSL_METHOD';
}

/** C's out-parameter (`unsigned int *len`, `int *copy`): the callee sets `value`. */
export interface Out<T = number> {
  value: T;
}

/** C's `long`: a number, or a bigint where the full signed 64-bit range matters. */
export type Long = number | bigint;

/** `int (*new_session_cb)(SSL *, SSL_SESSION *)`: return 1 to keep the reference passed in, 0 to let it go. */
export type NewSessionCallback = (ssl: SSL, sess: SSL_SESSION) => number;
/** `void (*remove_session_cb)(SSL_CTX *, SSL_SESSION *)`. */
export type RemoveSessionCallback = (ctx: SSL_CTX, sess: SSL_SESSION) => void;
/**
 * `SSL_SESSION *(*get_session_cb)(SSL *, const unsigned char *id, int len, int *copy)`.
 * `copy.value` starts at 1: leave it to have the library take a reference on the
 * returned session, set it to 0 if the callback hands over a reference of its own.
 */
export type GetSessionCallback = (ssl: SSL, id: Uint8Array, len: number, copy: Out<number>) => SSL_SESSION | null;

/** `CRYPTO_EX_new` / `CRYPTO_EX_free`: `(parent, ptr, ad, idx, argl, argp)`; `ad` is always null here. */
export type ExDataCallback<P> = (parent: P, ptr: unknown, ad: null, idx: number, argl: number, argp: unknown) => void;
/** `CRYPTO_EX_dup`. */
export type ExDataDupCallback = (to: null, from: null, fromD: Out<unknown>, idx: number, argl: number, argp: unknown) => number;
