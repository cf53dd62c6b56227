{
  "targets": [
    {
      "target_name": "bijective_native",
      "sources": ["native/addon.cc", "native/gemm.cc", "native/elementwise.cc", "native/layout.cc", "native/select.cc", "native/optimizer.cc", "native/mlp.cc", "native/spline.cc", "native/affine.cc", "native/normal.cc", "native/fieldtrace.cc"],
      "cflags!": ["-fno-exceptions", "-O2"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++14", "-O2"],
      "cflags": ["-O3", "-fno-math-errno", "-fexceptions"],
      "cflags_cc": ["-O3", "-fno-math-errno", "-std=c++17", "-fexceptions"],
      "defines": ["NAPI_VERSION=8"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fno-math-errno"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1 } }
    }
  ]
}
