# Every input a fuzz target ever crashed or ran out of memory on, kept in
# tests/fuzz_regressions/<target>/, replayed through fuzz/<target>_fuzzer.cpp's entry function in
# this normal (non-sanitizer) native build: test fuzz_regressions_<target>.
file(GLOB fuzz_targets CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/fuzz/*_fuzzer.cpp")
foreach(source ${fuzz_targets})
  get_filename_component(name "${source}" NAME_WE)
  string(REGEX REPLACE "_fuzzer$" "" target "${name}")
  set(inputs "${CMAKE_SOURCE_DIR}/tests/fuzz_regressions/${target}")
  if(NOT IS_DIRECTORY "${inputs}")
    continue()
  endif()
  add_executable(fuzz_replay_${target} "${source}" "${CMAKE_SOURCE_DIR}/fuzz/replay_main.cpp")
  target_link_libraries(fuzz_replay_${target} PRIVATE webgguf_engine webgguf_quant)
  target_compile_definitions(fuzz_replay_${target} PRIVATE WEBGGUF_SHARED_DIR="${WEBGGUF_SHARED_DIR}")
  add_test(NAME fuzz_regressions_${target} COMMAND fuzz_replay_${target} "${inputs}")
  set_tests_properties(fuzz_regressions_${target} PROPERTIES TIMEOUT 300)
endforeach()
