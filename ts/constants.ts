// OpenSSL's constants for the session cache, same names and values (SPEC.md section 1).

export const SSL_SESS_CACHE_OFF = 0x0000;
export const SSL_SESS_CACHE_CLIENT = 0x0001;
export const SSL_SESS_CACHE_SERVER = 0x0002;
export const SSL_SESS_CACHE_BOTH = 0x0003;
export const SSL_SESS_CACHE_NO_AUTO_CLEAR = 0x0080;
export const SSL_SESS_CACHE_NO_INTERNAL_LOOKUP = 0x0100;
export const SSL_SESS_CACHE_NO_INTERNAL_STORE = 0x0200;
export const SSL_SESS_CACHE_NO_INTERNAL = 0x0300;
export const SSL_SESS_CACHE_UPDATE_TIME = 0x0400;

export const SSL_MAX_SSL_SESSION_ID_LENGTH = 32;
export const SSL3_SSL_SESSION_ID_LENGTH = 32;
export const SSL_MAX_SID_CTX_LENGTH = 32;
export const SSL_MAX_MASTER_KEY_LENGTH = 48;
export const SSL_SESSION_CACHE_MAX_SIZE_DEFAULT = 1024 * 20;

export const SSL3_VERSION = 0x0300;
export const TLS1_VERSION = 0x0301;
export const TLS1_1_VERSION = 0x0302;
export const TLS1_2_VERSION = 0x0303;
export const TLS1_3_VERSION = 0x0304;
export const DTLS1_VERSION = 0xfeff;
export const DTLS1_2_VERSION = 0xfefd;

export const SSL_VERIFY_NONE = 0;
export const SSL_VERIFY_PEER = 1;

export const SSL_SENT_SHUTDOWN = 1;
export const SSL_RECEIVED_SHUTDOWN = 2;

export const SSL_CTRL_SESS_NUMBER = 20;
export const SSL_CTRL_SESS_CONNECT = 21;
export const SSL_CTRL_SESS_CONNECT_GOOD = 22;
export const SSL_CTRL_SESS_CONNECT_RENEGOTIATE = 23;
export const SSL_CTRL_SESS_ACCEPT = 24;
export const SSL_CTRL_SESS_ACCEPT_GOOD = 25;
export const SSL_CTRL_SESS_ACCEPT_RENEGOTIATE = 26;
export const SSL_CTRL_SESS_HIT = 27;
export const SSL_CTRL_SESS_CB_HIT = 28;
export const SSL_CTRL_SESS_MISSES = 29;
export const SSL_CTRL_SESS_TIMEOUTS = 30;
export const SSL_CTRL_SESS_CACHE_FULL = 31;
export const SSL_CTRL_SET_SESS_CACHE_SIZE = 42;
export const SSL_CTRL_GET_SESS_CACHE_SIZE = 43;
export const SSL_CTRL_SET_SESS_CACHE_MODE = 44;
export const SSL_CTRL_GET_SESS_CACHE_MODE = 45;
export const SSL_CTRL_SET_MIN_PROTO_VERSION = 123;
export const SSL_CTRL_SET_MAX_PROTO_VERSION = 124;
export const SSL_CTRL_GET_MIN_PROTO_VERSION = 130;
export const SSL_CTRL_GET_MAX_PROTO_VERSION = 131;

export const ERR_LIB_SSL = 20;
export const SSL_R_SSL_SESSION_ID_TOO_LONG = 408;
export const SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG = 273;
export const SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED = 277;
export const SSL_R_SSL_SESSION_ID_CALLBACK_FAILED = 301;
export const SSL_R_SSL_SESSION_ID_CONFLICT = 302;
export const SSL_R_SSL_SESSION_ID_HAS_BAD_LENGTH = 303;
