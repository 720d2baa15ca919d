# Runs one libFuzzer binary for a while on a working copy of its seed corpus, so what it finds
# stays in the build dir and the checked-in seeds change only by hand. Used by the fuzz.<name>
# ctests and by fuzz/run.sh.
#   cmake -DTARGET_CONFIG=<build>/fuzz/targets/<name>.cmake [-DSECONDS=n] -P run_fuzzer.cmake
# TARGET_CONFIG is written by keel_fuzz_target() and sets FUZZER, SEEDS, WORK and DICT.
if(NOT DEFINED TARGET_CONFIG OR NOT EXISTS "${TARGET_CONFIG}")
  message(FATAL_ERROR "run_fuzzer.cmake: -DTARGET_CONFIG=<existing file> is required")
endif()
include(${TARGET_CONFIG})
if(NOT DEFINED SECONDS OR NOT SECONDS MATCHES "^[0-9]+$")
  set(SECONDS 20)
endif()

# New inputs go to WORK/corpus; crash, timeout and leak reproducers to WORK/artifacts.
file(MAKE_DIRECTORY ${WORK}/corpus ${WORK}/artifacts)
file(COPY ${SEEDS}/ DESTINATION ${WORK}/corpus)

set(args -max_total_time=${SECONDS} -timeout=10 -print_final_stats=1
    -artifact_prefix=${WORK}/artifacts/)
if(NOT "${DICT}" STREQUAL "")
  list(APPEND args -dict=${DICT})
endif()
string(JOIN " " shown ${args})
message(STATUS "${FUZZER} ${shown} ${WORK}/corpus")
execute_process(COMMAND ${FUZZER} ${args} ${WORK}/corpus RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "fuzzer failed (${rc}); reproducers are in ${WORK}/artifacts")
endif()
message(STATUS "fuzzer ran ${SECONDS}s clean; working corpus: ${WORK}/corpus")
