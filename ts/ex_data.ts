// ex_data and app_data for SSL_CTX, SSL and SSL_SESSION. Values are any JS
// value; null or undefined clears a slot. The free callback runs, with
// (parent, value, null, idx, argl, argp), when the object's last reference goes.
import { binding } from './binding';
import type { ExDataCallback, ExDataDupCallback, SSL, SSL_CTX, SSL_SESSION } from './types';

type NewIndex<P> = (
  argl: number,
  argp: unknown,
  newFunc: ExDataCallback<P> | null,
  dupFunc: ExDataDupCallback | null,
  freeFunc: ExDataCallback<P> | null,
) => number;

/** SSL_SESSION_get_ex_new_index registers an index (the first is 1; 0 is app_data). */
export const SSL_SESSION_get_ex_new_index: NewIndex<SSL_SESSION> = binding.SSL_SESSION_get_ex_new_index;
/** SSL_SESSION_set_ex_data stores `value` in slot `idx` of the session and returns 1, or 0 for a negative index. */
export const SSL_SESSION_set_ex_data: (s: SSL_SESSION, idx: number, value: unknown) => number = binding.SSL_SESSION_set_ex_data;
/** SSL_SESSION_get_ex_data returns the value in slot `idx`, or null. */
export const SSL_SESSION_get_ex_data: (s: SSL_SESSION, idx: number) => unknown = binding.SSL_SESSION_get_ex_data;
/** SSL_SESSION_set_app_data is SSL_SESSION_set_ex_data(s, 0, value). */
export const SSL_SESSION_set_app_data: (s: SSL_SESSION, value: unknown) => number = binding.SSL_SESSION_set_app_data;
/** SSL_SESSION_get_app_data is SSL_SESSION_get_ex_data(s, 0). */
export const SSL_SESSION_get_app_data: (s: SSL_SESSION) => unknown = binding.SSL_SESSION_get_app_data;

/** SSL_CTX_get_ex_new_index registers an SSL_CTX ex_data index (the first is 1; 0 is app_data). */
export const SSL_CTX_get_ex_new_index: NewIndex<SSL_CTX> = binding.SSL_CTX_get_ex_new_index;
/** SSL_CTX_set_ex_data stores `value` in slot `idx` of the context and returns 1, or 0 for a negative index. */
export const SSL_CTX_set_ex_data: (ctx: SSL_CTX, idx: number, value: unknown) => number = binding.SSL_CTX_set_ex_data;
/** SSL_CTX_get_ex_data returns the value in slot `idx`, or null. */
export const SSL_CTX_get_ex_data: (ctx: SSL_CTX, idx: number) => unknown = binding.SSL_CTX_get_ex_data;
/** SSL_CTX_set_app_data is SSL_CTX_set_ex_data(ctx, 0, value). */
export const SSL_CTX_set_app_data: (ctx: SSL_CTX, value: unknown) => number = binding.SSL_CTX_set_app_data;
/** SSL_CTX_get_app_data is SSL_CTX_get_ex_data(ctx, 0). */
export const SSL_CTX_get_app_data: (ctx: SSL_CTX) => unknown = binding.SSL_CTX_get_app_data;

/** SSL_get_ex_new_index registers an SSL ex_data index (the first is 1; 0 is app_data). */
export const SSL_get_ex_new_index: NewIndex<SSL> = binding.SSL_get_ex_new_index;
/** SSL_set_ex_data stores `value` in slot `idx` of the connection and returns 1, or 0 for a negative index. */
export const SSL_set_ex_data: (ssl: SSL, idx: number, value: unknown) => number = binding.SSL_set_ex_data;
/** SSL_get_ex_data returns the value in slot `idx`, or null. */
export const SSL_get_ex_data: (ssl: SSL, idx: number) => unknown = binding.SSL_get_ex_data;
/** SSL_set_app_data is SSL_set_ex_data(ssl, 0, value). */
export const SSL_set_app_data: (ssl: SSL, value: unknown) => number = binding.SSL_set_app_data;
/** SSL_get_app_data is SSL_get_ex_data(ssl, 0). */
export const SSL_get_app_data: (ssl: SSL) => unknown = binding.SSL_get_app_data;
