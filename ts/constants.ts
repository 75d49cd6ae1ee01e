// OpenSSL's constants for the session cache, with the same names and values as OpenSSL 3.0's headers.

/** SSL_SESS_CACHE_OFF (cache mode): no session caching on either side. */
export const SSL_SESS_CACHE_OFF = 0x0000;
/** SSL_SESS_CACHE_CLIENT (cache mode): cache the sessions of client handshakes. */
export const SSL_SESS_CACHE_CLIENT = 0x0001;
/** SSL_SESS_CACHE_SERVER (cache mode): cache the sessions of server handshakes; SSL_CTX_new's default. */
export const SSL_SESS_CACHE_SERVER = 0x0002;
/** SSL_SESS_CACHE_BOTH is SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_SERVER. */
export const SSL_SESS_CACHE_BOTH = 0x0003;
/** SSL_SESS_CACHE_NO_AUTO_CLEAR (mode bit): no flush of expired sessions every 256th good handshake. */
export const SSL_SESS_CACHE_NO_AUTO_CLEAR = 0x0080;
/** SSL_SESS_CACHE_NO_INTERNAL_LOOKUP (mode bit): handshakes do not search the internal cache, only ask the get callback. */
export const SSL_SESS_CACHE_NO_INTERNAL_LOOKUP = 0x0100;
/** SSL_SESS_CACHE_NO_INTERNAL_STORE (mode bit): handshakes add no session to the internal cache (new sessions go to the new callback only; get-callback results are not copied in). */
export const SSL_SESS_CACHE_NO_INTERNAL_STORE = 0x0200;
/** SSL_SESS_CACHE_NO_INTERNAL is SSL_SESS_CACHE_NO_INTERNAL_LOOKUP | SSL_SESS_CACHE_NO_INTERNAL_STORE: an external cache only. */
export const SSL_SESS_CACHE_NO_INTERNAL = 0x0300;
/** SSL_SESS_CACHE_UPDATE_TIME (mode bit): SSL_CTX_add_session resets the session's time to now. */
export const SSL_SESS_CACHE_UPDATE_TIME = 0x0400;

/** SSL_MAX_SSL_SESSION_ID_LENGTH is the longest session id, in bytes (32). */
export const SSL_MAX_SSL_SESSION_ID_LENGTH = 32;
/** SSL3_SSL_SESSION_ID_LENGTH is the length of a generated session id, in bytes (32). */
export const SSL3_SSL_SESSION_ID_LENGTH = 32;
/** SSL_MAX_SID_CTX_LENGTH is the longest session id context, in bytes (32). */
export const SSL_MAX_SID_CTX_LENGTH = 32;
/** SSL_MAX_MASTER_KEY_LENGTH is the TLS <= 1.2 master key length, in bytes (48). */
export const SSL_MAX_MASTER_KEY_LENGTH = 48;
/** SSL_SESSION_CACHE_MAX_SIZE_DEFAULT is a new context's cache size (20480 sessions). */
export const SSL_SESSION_CACHE_MAX_SIZE_DEFAULT = 1024 * 20;

/** SSL3_VERSION is the protocol version number of SSL 3.0 (0x0300). */
export const SSL3_VERSION = 0x0300;
/** TLS1_VERSION is the protocol version number of TLS 1.0 (0x0301). */
export const TLS1_VERSION = 0x0301;
/** TLS1_1_VERSION is the protocol version number of TLS 1.1 (0x0302). */
export const TLS1_1_VERSION = 0x0302;
/** TLS1_2_VERSION is the protocol version number of TLS 1.2 (0x0303). */
export const TLS1_2_VERSION = 0x0303;
/** TLS1_3_VERSION is the protocol version number of TLS 1.3 (0x0304). */
export const TLS1_3_VERSION = 0x0304;
/** DTLS1_VERSION is the protocol version number of DTLS 1.0 (0xfeff). */
export const DTLS1_VERSION = 0xfeff;
/** DTLS1_2_VERSION is the protocol version number of DTLS 1.2 (0xfefd). */
export const DTLS1_2_VERSION = 0xfefd;

/** SSL_VERIFY_NONE (verify mode): no peer verification. */
export const SSL_VERIFY_NONE = 0;
/** SSL_VERIFY_PEER (verify mode): verify the peer; a server with it needs a session id context to resume. */
export const SSL_VERIFY_PEER = 1;

/** SSL_SENT_SHUTDOWN (shutdown flag): this side sent its close_notify. */
export const SSL_SENT_SHUTDOWN = 1;
/** SSL_RECEIVED_SHUTDOWN (shutdown flag): the peer's close_notify was received. */
export const SSL_RECEIVED_SHUTDOWN = 2;

/** SSL_CTRL_SESS_NUMBER is the SSL_CTX_ctrl command behind SSL_CTX_sess_number. */
export const SSL_CTRL_SESS_NUMBER = 20;
/** SSL_CTRL_SESS_CONNECT is the SSL_CTX_ctrl command behind SSL_CTX_sess_connect. */
export const SSL_CTRL_SESS_CONNECT = 21;
/** SSL_CTRL_SESS_CONNECT_GOOD is the SSL_CTX_ctrl command behind SSL_CTX_sess_connect_good. */
export const SSL_CTRL_SESS_CONNECT_GOOD = 22;
/** SSL_CTRL_SESS_CONNECT_RENEGOTIATE is the SSL_CTX_ctrl command behind SSL_CTX_sess_connect_renegotiate. */
export const SSL_CTRL_SESS_CONNECT_RENEGOTIATE = 23;
/** SSL_CTRL_SESS_ACCEPT is the SSL_CTX_ctrl command behind SSL_CTX_sess_accept. */
export const SSL_CTRL_SESS_ACCEPT = 24;
/** SSL_CTRL_SESS_ACCEPT_GOOD is the SSL_CTX_ctrl command behind SSL_CTX_sess_accept_good. */
export const SSL_CTRL_SESS_ACCEPT_GOOD = 25;
/** SSL_CTRL_SESS_ACCEPT_RENEGOTIATE is the SSL_CTX_ctrl command behind SSL_CTX_sess_accept_renegotiate. */
export const SSL_CTRL_SESS_ACCEPT_RENEGOTIATE = 26;
/** SSL_CTRL_SESS_HIT is the SSL_CTX_ctrl command behind SSL_CTX_sess_hits. */
export const SSL_CTRL_SESS_HIT = 27;
/** SSL_CTRL_SESS_CB_HIT is the SSL_CTX_ctrl command behind SSL_CTX_sess_cb_hits. */
export const SSL_CTRL_SESS_CB_HIT = 28;
/** SSL_CTRL_SESS_MISSES is the SSL_CTX_ctrl command behind SSL_CTX_sess_misses. */
export const SSL_CTRL_SESS_MISSES = 29;
/** SSL_CTRL_SESS_TIMEOUTS is the SSL_CTX_ctrl command behind SSL_CTX_sess_timeouts. */
export const SSL_CTRL_SESS_TIMEOUTS = 30;
/** SSL_CTRL_SESS_CACHE_FULL is the SSL_CTX_ctrl command behind SSL_CTX_sess_cache_full. */
export const SSL_CTRL_SESS_CACHE_FULL = 31;
/** SSL_CTRL_SET_SESS_CACHE_SIZE is the SSL_CTX_ctrl command behind SSL_CTX_sess_set_cache_size. */
export const SSL_CTRL_SET_SESS_CACHE_SIZE = 42;
/** SSL_CTRL_GET_SESS_CACHE_SIZE is the SSL_CTX_ctrl command behind SSL_CTX_sess_get_cache_size. */
export const SSL_CTRL_GET_SESS_CACHE_SIZE = 43;
/** SSL_CTRL_SET_SESS_CACHE_MODE is the SSL_CTX_ctrl command behind SSL_CTX_set_session_cache_mode. */
export const SSL_CTRL_SET_SESS_CACHE_MODE = 44;
/** SSL_CTRL_GET_SESS_CACHE_MODE is the SSL_CTX_ctrl command behind SSL_CTX_get_session_cache_mode. */
export const SSL_CTRL_GET_SESS_CACHE_MODE = 45;
/** SSL_CTRL_SET_MIN_PROTO_VERSION is the SSL_CTX_ctrl command behind SSL_CTX_set_min_proto_version. */
export const SSL_CTRL_SET_MIN_PROTO_VERSION = 123;
/** SSL_CTRL_SET_MAX_PROTO_VERSION is the SSL_CTX_ctrl command behind SSL_CTX_set_max_proto_version. */
export const SSL_CTRL_SET_MAX_PROTO_VERSION = 124;
/** SSL_CTRL_GET_MIN_PROTO_VERSION is the SSL_CTX_ctrl command behind SSL_CTX_get_min_proto_version. */
export const SSL_CTRL_GET_MIN_PROTO_VERSION = 130;
/** SSL_CTRL_GET_MAX_PROTO_VERSION is the SSL_CTX_ctrl command behind SSL_CTX_get_max_proto_version. */
export const SSL_CTRL_GET_MAX_PROTO_VERSION = 131;

/** ERR_LIB_SSL is the library number ERR_GET_LIB returns for this package's errors (20, OpenSSL's SSL library). */
export const ERR_LIB_SSL = 20;
/** SSL_R_SSL_SESSION_ID_TOO_LONG (reason): a session id over 32 bytes. */
export const SSL_R_SSL_SESSION_ID_TOO_LONG = 408;
/** SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG (reason): a session id context over 32 bytes. */
export const SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG = 273;
/** SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED (reason): resumption with SSL_VERIFY_PEER and no session id context. */
export const SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED = 277;
/** SSL_R_SSL_SESSION_ID_CALLBACK_FAILED (reason): a generate-session-id callback returned 0. */
export const SSL_R_SSL_SESSION_ID_CALLBACK_FAILED = 301;
/** SSL_R_SSL_SESSION_ID_CONFLICT (reason): a generated session id is already cached. */
export const SSL_R_SSL_SESSION_ID_CONFLICT = 302;
/** SSL_R_SSL_SESSION_ID_HAS_BAD_LENGTH (reason): a generate-session-id callback set a length of 0 or above what was offered. */
export const SSL_R_SSL_SESSION_ID_HAS_BAD_LENGTH = 303;
