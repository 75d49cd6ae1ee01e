{
  # Bench-only addons (never shipped): see docs/benchmarks.md. OpenSSL
  # symbols resolve against the node executable; nothing is linked. The
  # core's sources are compiled in with hidden visibility, so its osc::
  # names can never interpose on OpenSSL's.
  "target_defaults": {
    "defines": ["NAPI_VERSION=8"],
    "cflags_cc": ["-std=c++17", "-O2", "-fvisibility=hidden", "-fvisibility-inlines-hidden",
                  "-Wall", "-Wextra", "-Wno-unused-parameter", "-Wno-deprecated-declarations",
                  "-Wno-missing-field-initializers"],
    "cflags_cc!": ["-fno-exceptions"],
    "xcode_settings": { "CLANG_CXX_LANGUAGE_STANDARD": "c++17", "GCC_SYMBOLS_PRIVATE_EXTERN": "YES" }
  },
  "targets": [
    {
      "target_name": "core_bench",
      "sources": ["core_bench.cc", "<!@(node -p \"require('fs').readdirSync('../../src').filter(f => f.endsWith('.cc')).map(f => '../../src/' + f).join(' ')\")"]
    },
    { "target_name": "openssl_bench", "sources": ["openssl_bench.cc"] },
    { "target_name": "openssl_napi", "sources": ["openssl_napi.cc"] },
    { "target_name": "napi_floor", "sources": ["napi_floor.cc"] }
  ]
}
