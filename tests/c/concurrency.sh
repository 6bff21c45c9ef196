#!/usr/bin/env bash
# Shared objects under concurrency (issue 8 item 11): tests/c/concurrency.c (8 verifying and
# looking-up threads, a 9th publishing freshly parsed key sets through a C11 atomic pointer)
# 1. under ThreadSanitizer linked with the release libtollgate.a: TSan checks the C side and,
#    through its memcpy/memset interceptors, the library's bulk reads and writes of the shared
#    objects, but not the library's plain loads and stores (not instrumented);
# 2. under ThreadSanitizer linked with a TSan-instrumented build of the library (nightly
#    -Zsanitizer=thread; skipped without nightly): every load, store and atomic in tollgate's
#    own code is checked, including the cold start of the cpuid cache in core/src/rsa/adx.rs;
# 3. under valgrind's helgrind and DRD (release library, atomics annotated, cache warmed).
# Each configuration also runs a deliberately racy variant (the rotator rewrites the key set
# the workers read) and must report it: a checker that sees nothing proves nothing.
# Needs target/release/libtollgate.a (cargo build --release -p tollgate-ffi).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$here/build"
mkdir -p "$out"
fail=0
warn=(-std=c11 -Wall -Wextra -Werror -pedantic -g -O1 -pthread -I"$root/include")
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 report_signal_unsafe=0"

# expect NAME CLEAN|RACE COMMAND...: a clean run must exit 0, a racy one must be reported.
expect() {
  local name=$1 want=$2; shift 2
  "$@" > "$out/$name.log" 2>&1
  local rc=$?
  if [ "$want" = CLEAN ] && [ $rc = 0 ]; then echo "ok: $name: no race ($(tail -n 1 "$out/$name.log"))"
  elif [ "$want" = RACE ] && { [ $rc = 66 ] || [ $rc = 99 ]; }; then echo "ok: $name: the deliberate race is reported"
  else echo "FAIL: $name (exit $rc, expected $want)"; tail -n 30 "$out/$name.log"; fail=1; fi
}

# build NAME LIB EXTRA...: compile concurrency.c (clean and racy) against LIB.
build() {
  local name=$1 lib=$2; shift 2
  cc "${warn[@]}" "$@" "$here/concurrency.c" "$lib" -o "$out/$name" &&
    cc "${warn[@]}" -DDELIBERATE_RACE "$@" "$here/concurrency.c" "$lib" -o "$out/${name}_race" ||
    { echo "FAIL: building $name"; fail=1; return 1; }
}

release="$root/target/release/libtollgate.a"
[ -f "$release" ] || { echo "missing $release (cargo build --release -p tollgate-ffi)"; exit 1; }

if build tsan_release "$release" -fsanitize=thread; then
  expect tsan_release CLEAN "$out/tsan_release" "$root" 200
  expect tsan_release_race RACE "$out/tsan_release_race" "$root" 200
fi

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  triple=$(rustc -vV | sed -n 's/^host: //p')
  echo "--- building a TSan-instrumented libtollgate.a (nightly)"
  if (cd "$root" && RUSTFLAGS="-Zsanitizer=thread -Cunsafe-allow-abi-mismatch=sanitizer" \
      cargo +nightly build --release --quiet -p tollgate-ffi --target "$triple" --target-dir target/tsan); then
    # Newer LLVM instrumentation calls __tsan_memcpy & co.; gcc's runtime may lack them.
    cc -std=c11 -g -O1 -fsanitize=thread -fno-builtin -c "$here/tsan_shim.c" -o "$out/tsan_shim.o"
    if build tsan_instrumented "$root/target/tsan/$triple/release/libtollgate.a" -fsanitize=thread "$out/tsan_shim.o"; then
      expect tsan_instrumented CLEAN "$out/tsan_instrumented" "$root" 200
      expect tsan_instrumented_race RACE "$out/tsan_instrumented_race" "$root" 200
    fi
  else
    echo "FAIL: building the instrumented library"; fail=1
  fi
else
  echo "skip: no nightly toolchain for a TSan-instrumented library"
fi

if build valgrind "$release"; then
  for tool in helgrind drd; do
    expect "$tool" CLEAN valgrind -q --tool=$tool --error-exitcode=99 "$out/valgrind" "$root" 20 warm
    expect "${tool}_race" RACE valgrind -q --tool=$tool --error-exitcode=99 "$out/valgrind_race" "$root" 20 warm
  done
fi
exit $fail
