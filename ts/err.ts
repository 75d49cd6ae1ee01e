// The error queue (per thread, like OpenSSL's). ERR_GET_LIB and ERR_GET_REASON
// are C macros over the packed code, so they are plain functions here.
import { binding } from './binding';

/** ERR_get_error removes and returns the oldest queued code, 0 when empty. */
export const ERR_get_error: () => number = binding.ERR_get_error;
/** ERR_peek_error returns the oldest queued code without removing it. */
export const ERR_peek_error: () => number = binding.ERR_peek_error;
/** ERR_clear_error empties this thread's error queue. */
export const ERR_clear_error: () => void = binding.ERR_clear_error;
/** ERR_error_string returns OpenSSL's text for a code: "error:0A000198:SSL routines::ssl session id too long". */
export const ERR_error_string: (e: number) => string = binding.ERR_error_string;
/** ERR_GET_LIB returns the library number of a packed error code (ERR_LIB_SSL for this package's codes). */
export function ERR_GET_LIB(e: number): number {
  return (e >>> 23) & 0xff;
}
/** ERR_GET_REASON returns the reason number of a packed error code (SSL_R_*). */
export function ERR_GET_REASON(e: number): number {
  return e & 0x7fffff;
}
