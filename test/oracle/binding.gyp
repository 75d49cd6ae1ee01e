{
  # Test-only addon: drives the real OpenSSL 3.0 session cache that the node
  # binary exports. Never part of the shipped package; no libssl is linked
  # (every SSL_/X509_/EVP_ symbol resolves against the node executable).
  "targets": [
    {
      "target_name": "oracle",
      "sources": ["oracle.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "cflags_cc!": ["-fno-exceptions"],
      "xcode_settings": { "CLANG_CXX_LANGUAGE_STANDARD": "c++17" }
    }
  ]
}
