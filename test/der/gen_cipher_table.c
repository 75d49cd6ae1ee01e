/* Prints the body of src/cipher_table.cc's table: every two-byte cipher id
 * that OpenSSL's SSL_CIPHER_find (and so d2i_SSL_SESSION) knows, with
 * SSL_CIPHER_get_name, SSL_CIPHER_standard_name and SSL_CIPHER_get_version.
 * Run: test/der/run.sh gen  (regenerates the table from the system libssl). */
#include <openssl/ssl.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  SSL* ssl = SSL_new(ctx);
  for (int i = 0; i < 65536; i++) {
    unsigned char c[2] = {(unsigned char)(i >> 8), (unsigned char)i};
    const SSL_CIPHER* ci = SSL_CIPHER_find(ssl, c);
    if (ci == NULL) continue;
    const char* v = SSL_CIPHER_get_version(ci);
    const char* ve = strcmp(v, "TLSv1.3") == 0   ? "kTls13"
                     : strcmp(v, "TLSv1.2") == 0 ? "kTls12"
                     : strcmp(v, "TLSv1.0") == 0 ? "kTls10"
                     : strcmp(v, "SSLv3") == 0   ? "kSsl3"
                                                 : "kUnknown";
    const char* std = SSL_CIPHER_standard_name(ci);
    if (std != NULL)
      printf("    {0x%04x, %s, \"%s\", \"%s\"},\n", i, ve, SSL_CIPHER_get_name(ci), std);
    else
      printf("    {0x%04x, %s, \"%s\", nullptr},\n", i, ve, SSL_CIPHER_get_name(ci));
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  return 0;
}
