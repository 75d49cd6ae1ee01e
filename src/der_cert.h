// The peer certificate inside a session's DER: the acceptance rules of
// OpenSSL 3.0's X509 template decoder, without building an X509.
//
// d2i_SSL_SESSION parses the peer certificate completely (d2i_X509 through
// the ASN.1 templates) and fails when that parse fails. We keep the bytes
// and check that OpenSSL's parse would succeed: every field of the
// TBSCertificate in template order with its tag, its OPTIONAL rule and its
// content rules (INTEGER padding, OBJECT encoding, BIT STRING bits, NULL and
// BOOLEAN lengths, string lengths, which string types a Name and a Time may
// use, Name values that must convert to UTF-8), BER constructed strings
// gathered as asn1_collect does. Not parsed, as in OpenSSL: the contents of
// a SEQUENCE held by an ANY (algorithm parameters), extension values, and
// the public key (OpenSSL's decode attempt there never fails the parse).
//
// OpenSSL writes the certificate back as the saved TBSCertificate bytes plus
// a fresh encoding of the outer SEQUENCE, the signature algorithm and the
// signature. There we accept only what that fresh encoding reproduces
// byte for byte (canonical headers; algorithm parameters absent, NULL or a
// SEQUENCE), except the signature's unused bits, which OpenSSL clears: the
// caller applies `last_byte_mask` to the certificate's last byte.
//
// Known differences, all BER forms no encoder writes: indefinite lengths
// anywhere, and other ANY parameter types in the outer signature algorithm,
// are refused here though OpenSSL accepts them.
#ifndef OSC_DER_CERT_H_
#define OSC_DER_CERT_H_

#include <cstdint>

#include "der_reader.h"

namespace osc {

// True when the certificate whose header starts at `at` (decoded as `cert`)
// passes OpenSSL's parse and survives its re-encoding; then *last_byte_mask
// is what OpenSSL's re-encoding does to the last byte (AND mask).
bool check_certificate(const uint8_t* at, const Tlv& cert, uint8_t* last_byte_mask);

}  // namespace osc

#endif  // OSC_DER_CERT_H_
