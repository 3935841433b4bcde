# The wasm module the JavaScript package loads: Embind bindings over src/engine.
#   web build:  ES module (-sEXPORT_ES6) for browsers and module workers
#   node build: CommonJS (-sMODULARIZE) loaded through createRequire (Emscripten 3.1.6's ES6
#               output uses __dirname and fails as an ES module under Node)
file(GLOB binding_sources CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/src/bindings/*.cpp")
if(NOT binding_sources)
  return()
endif()
if(WEBGGUF_THREADS)
  set(variant mt)
else()
  set(variant st)
endif()

# The heap starts small and grows by at most 1 MB more than an allocation asks for (Emscripten's
# default reserves up to 20% or 96 MB extra per growth): issue 8's budget is 1.1 x file + KV, and a
# 270M model with a 262k vocabulary meets it by less than 2 MB.
set(common_link_options --bind -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB
    -sINITIAL_MEMORY=16MB -sMEMORY_GROWTH_GEOMETRIC_CAP=1MB -sMODULARIZE=1 -sEXPORT_NAME=createWebggufModule
    -sENVIRONMENT=web,worker,node -sFILESYSTEM=0 -sEXPORTED_RUNTIME_METHODS=HEAPU8)
# Workers in the threaded build's pthread pool: the one place this number is written (the
# module exports it as pthreadPoolSize, src/bindings/thread_bindings.cpp, for js/worker.js).
set(pthread_pool_size 0)
if(WEBGGUF_THREADS)
  set(pthread_pool_size 4)
  # Each thread's stack comes from the heap: the pool's workers run kernels with small frames,
  # so 256 KB each instead of Emscripten's 2 MB default keeps them out of the memory budget.
  list(APPEND common_link_options -sPTHREAD_POOL_SIZE=${pthread_pool_size}
       -sPTHREAD_POOL_SIZE_STRICT=0 -sDEFAULT_PTHREAD_STACK_SIZE=256KB)
endif()

foreach(flavor web node)
  set(target webgguf-${variant}-${flavor})
  add_executable(${target} ${binding_sources})
  target_link_libraries(${target} PRIVATE webgguf_engine webgguf_quant)
  target_link_options(${target} PRIVATE ${common_link_options})
  target_compile_definitions(${target} PRIVATE WEBGGUF_PTHREAD_POOL_SIZE=${pthread_pool_size})
  if(flavor STREQUAL "web")
    target_link_options(${target} PRIVATE -sEXPORT_ES6=1)
    set_target_properties(${target} PROPERTIES SUFFIX ".mjs")
  else()
    set_target_properties(${target} PROPERTIES SUFFIX ".cjs")
  endif()
endforeach()
