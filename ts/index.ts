// openssl-session-cache: OpenSSL 3.0's SSL_CTX session cache, under OpenSSL's names.
export * from './constants';
export * from './types';
export * from './ctx';
export * from './ssl';
export * from './handshake';
export * from './session';
export * from './der';
export * from './cipher';
export * from './ex_data';
export * from './err';
export * from './tls';
