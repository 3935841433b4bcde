# GoogleTest from Debian's source package, built with the same toolchain (native or Emscripten).
set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
set(BUILD_GMOCK OFF CACHE BOOL "" FORCE)
add_subdirectory(/usr/src/googletest "${CMAKE_BINARY_DIR}/googletest" EXCLUDE_FROM_ALL)

# tests/<layer>/*_test.cpp -> one executable test_<layer>, registered with CTest.
# Under Emscripten the test runs in Node with the real file system (NODERAWFS) and Node's
# environment, so it finds the same fixtures as the native build (tests/test_paths.h).
function(webgguf_test layer)
  file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/tests/${layer}/*.cpp")
  if(NOT sources)
    return()
  endif()
  add_executable(test_${layer} ${sources})
  target_link_libraries(test_${layer} PRIVATE ${ARGN} gtest_main)
  target_include_directories(test_${layer} PRIVATE "${CMAKE_SOURCE_DIR}/tests")
  target_compile_definitions(test_${layer} PRIVATE
      WEBGGUF_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
      # llama.cpp's source (scripts/llama_cpp_source.sh): its vocab test vectors and sources.
      WEBGGUF_LLAMA_CPP_DIR="${CMAKE_SOURCE_DIR}/build/llama.cpp")
  if(EMSCRIPTEN)
    target_link_options(test_${layer} PRIVATE -sNODERAWFS=1 -sALLOW_MEMORY_GROWTH=1
        -sMAXIMUM_MEMORY=4GB -sEXIT_RUNTIME=1 "--pre-js=${CMAKE_SOURCE_DIR}/tests/wasm_env.pre.js")
    add_test(NAME ${layer} COMMAND node --no-experimental-fetch
             "${CMAKE_CURRENT_BINARY_DIR}/test_${layer}.js")
  else()
    add_test(NAME ${layer} COMMAND test_${layer})
  endif()
  # A JSON report per test binary: scripts/test.sh counts the tests skipped for want of the
  # fixture models from them (scripts/fixture_skips.mjs).
  set_tests_properties(${layer} PROPERTIES TIMEOUT 900
      ENVIRONMENT "GTEST_OUTPUT=json:${CMAKE_BINARY_DIR}/test-reports/${layer}.json")
endfunction()

webgguf_test(core webgguf_core)
webgguf_test(gguf webgguf_gguf)
# test_gguf also runs the native CLI (built by the default target, not a dependency, so a
# half-written higher layer cannot keep the reader's tests from building).
if(TARGET webgguf AND TARGET test_gguf)
  target_compile_definitions(test_gguf PRIVATE WEBGGUF_CLI_PATH="$<TARGET_FILE:webgguf>")
endif()
webgguf_test(quant webgguf_quant)
webgguf_test(kernels webgguf_quant webgguf_kernels)
webgguf_test(tokenizer webgguf_tokenizer)
webgguf_test(sampler webgguf_sampler)
webgguf_test(model webgguf_model)
webgguf_test(quantizer webgguf_quantizer)
webgguf_test(engine webgguf_engine)
# test_engine writes synthetic models of the hybrid families with the CLI's synth.
if(TARGET webgguf AND TARGET test_engine)
  target_compile_definitions(test_engine PRIVATE WEBGGUF_CLI_PATH="$<TARGET_FILE:webgguf>")
endif()
if(NOT EMSCRIPTEN)
  include(cmake/fuzz_regressions.cmake)
endif()
