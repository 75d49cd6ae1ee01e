{
  # Test-only addon for test/60-der*.ts and bench/der.js: OpenSSL's own
  # i2d_SSL_SESSION / d2i_SSL_SESSION and session accessors, from the OpenSSL
  # that the node binary exports (nothing is linked; headers ship with Node).
  # Build: npx node-gyp rebuild --directory test/der-oracle
  "targets": [
    {
      "target_name": "der_oracle",
      "sources": ["der_oracle.cc"],
      "defines": ["NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "xcode_settings": { "CLANG_CXX_LANGUAGE_STANDARD": "c++17" }
    }
  ]
}
