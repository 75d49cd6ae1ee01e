// openssl-session-cache: OpenSSL 3.0's SSL_CTX session cache, under OpenSSL's names.

export * from './cipher';
export * from './constants';
export * from './ctx';
export * from './der';
export * from './err';
export * from './ex_data';
export * from './handshake';
export * from './session';
export * from './ssl';
export * from './tls';
export * from './types';
