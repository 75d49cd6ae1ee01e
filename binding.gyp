{
  "targets": [
    {
      "target_name": "openssl_session_cache",
      "sources": [
        "src/adapter.cc",
        "src/alloc.cc",
        "src/cipher_table.cc",
        "src/connection.cc",
        "src/der.cc",
        "src/der_cert.cc",
        "src/der_reader.cc",
        "src/der_print.cc",
        "src/context.cc",
        "src/error_queue.cc",
        "src/handshake.cc",
        "src/handshake_sim.cc",
        "src/object.cc",
        "src/pem.cc",
        "src/runtime.cc",
        "src/session.cc",
        "src/session_table.cc",
        "src/shm_cache.cc",
        "src/shm_format.cc",
        "src/shm_lock.cc",
        "src/shm_os.cc",
        "src/shm_repair.cc",
        "src/system_random.cc",
        "src/timeout_list.cc",
        "native/adapter_api.cc",
        "native/addon.cc",
        "native/args.cc",
        "native/callbacks.cc",
        "native/cipher_api.cc",
        "native/ctx_api.cc",
        "native/der_api.cc",
        "native/ex_data_api.cc",
        "native/fields_api.cc",
        "native/handshake_api.cc",
        "native/instance.cc",
        "native/libstdcxx_compat.cc",
        "native/misc_api.cc",
        "native/pem_api.cc",
        "native/session_api.cc",
        "native/session_io.cc",
        "native/shm_api.cc",
        "native/ssl_api.cc"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-fvisibility=hidden", "-fvisibility-inlines-hidden", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-Wl,-Bsymbolic", "-Wl,--exclude-libs,ALL"],
      "conditions": [
        ["OS==\"linux\"", {
          "cflags_cc": ["-ffunction-sections", "-fdata-sections"],
          # shm_open lives in librt before glibc 2.34 (the manylinux_2_28
          # prebuilds); on newer glibc and musl librt is an empty stub.
          "libraries": ["-lrt"],
          "ldflags": [
            "-Wl,--version-script=<(module_root_dir)/binding.map",
            "-Wl,--gc-sections",
            "-Wl,-z,relro",
            "-Wl,-z,now",
            "-Wl,-z,noexecstack"
          ]
        }]
      ],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "GCC_SYMBOLS_PRIVATE_EXTERN": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "10.15"
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17"] } }
    }
  ]
}
