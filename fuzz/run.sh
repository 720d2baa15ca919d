#!/usr/bin/env bash
# Builds one libFuzzer target with clang-19 and fuzzes it for a while on a working copy of its
# seed corpus, with its dictionary. Works from any directory; the build lives in build/fuzz.
# Usage: fuzz/run.sh <target> <seconds>      e.g. fuzz/run.sh resp_parser 30
set -euo pipefail

if [[ $# -ne 2 || ! $2 =~ ^[0-9]+$ ]]; then
  echo "usage: $0 <target> <seconds>   (targets: fuzz/corpus/*)" >&2
  exit 2
fi
target=$1
seconds=$2
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$repo/build/fuzz

if [[ ! -f $build/CMakeCache.txt ]]; then
  CC=clang-19 CXX=clang++-19 cmake -S "$repo" -B "$build" -G Ninja -DKEEL_FUZZ=ON
fi
config=$build/fuzz/targets/$target.cmake
if [[ ! -f $config ]]; then
  # A target added since the last configure shows up after re-running CMake.
  cmake "$build" >/dev/null
fi
if [[ ! -f $config ]]; then
  echo "$0: no fuzz target '$target' (see keel_fuzz_target calls in fuzz/CMakeLists.txt)" >&2
  exit 2
fi
ninja -C "$build" -j "$(nproc)" "${target}_fuzzer"
exec cmake -DTARGET_CONFIG="$config" -DSECONDS="$seconds" -P "$repo/fuzz/run_fuzzer.cmake"
