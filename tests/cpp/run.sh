#!/usr/bin/env bash
# The C++17 header: include/tollgate.hpp compiles alone as C++17 and C++20 (with and without
# exceptions) with -Wall -Wextra -Werror -pedantic; dropping a Result is a compile error under
# -Werror ([[nodiscard]]); every tests/cpp/test_*.cpp is built with and without -fno-exceptions
# against the static and the shared library and run under ASan+UBSan, and once under valgrind;
# so is the README's C++ example.
# Expects target/release/libtollgate.{a,so} (cargo build --release -p tollgate-ffi).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
lib="$root/target/release"
out="$here/build"
mkdir -p "$out"
warn=(-Wall -Wextra -Werror -pedantic)
san=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
fail=0
for f in "$lib/libtollgate.a" "$lib/libtollgate.so"; do
  [ -f "$f" ] || { echo "FAIL: $f missing (cargo build --release -p tollgate-ffi)"; exit 1; }
done

echo "--- tollgate.hpp alone"
printf '#include "tollgate.hpp"\nint main() { return 0; }\n' > "$out/hpp_alone.cpp"
for std in c++17 c++20; do
  for exc in -fexceptions -fno-exceptions; do
    c++ -std=$std "${warn[@]}" -Wshadow -Wconversion -Wold-style-cast $exc -I"$root/include" \
      "$out/hpp_alone.cpp" -o "$out/hpp_alone" || { echo "FAIL header alone $std $exc"; fail=1; }
  done
done

echo "--- [[nodiscard]]: an ignored Result does not compile under -Werror"
nodiscard_ok=1
for call in 'tollgate::bearer_token("Bearer x");' \
            'tollgate::IpSet::acs().lookup_text("1.2.3.4");' \
            'tollgate::KeySet::parse("{}");' \
            'tollgate::KeySet k; k.reparse("{}");'; do
  printf '#include "tollgate.hpp"\nint main() { %s return 0; }\n' "$call" > "$out/nodiscard.cpp"
  if c++ -std=c++17 "${warn[@]}" -I"$root/include" -c "$out/nodiscard.cpp" -o "$out/nodiscard.o" \
       2> "$out/nodiscard.err"; then
    echo "FAIL: compiled although the result is dropped: $call"; nodiscard_ok=0; fail=1
  elif ! grep -q nodiscard "$out/nodiscard.err"; then
    echo "FAIL: did not compile for another reason: $call"; cat "$out/nodiscard.err"; nodiscard_ok=0; fail=1
  fi
done
[ $nodiscard_ok = 1 ] && echo "ok"

echo "--- a status is not a value: Result<bool>(status) does not compile"
printf '#include "tollgate.hpp"\nint main() { tollgate::Result<bool> r(TOLLGATE_STATUS_EXPIRED); return r.ok(); }\n' \
  > "$out/status_value.cpp"
if c++ -std=c++17 "${warn[@]}" -I"$root/include" -c "$out/status_value.cpp" -o "$out/status_value.o" \
     2> "$out/status_value.err"; then
  echo "FAIL: Result<bool>(status) compiled"; fail=1
elif ! grep -q deleted "$out/status_value.err"; then
  echo "FAIL: Result<bool>(status) failed for another reason"; cat "$out/status_value.err"; fail=1
else
  echo "ok"
fi

echo "--- README example"
awk '/^```cpp$/{on=1;next} /^```$/{if(on){exit}} on' "$root/README.md" > "$out/test_readme_example.cpp"
[ -s "$out/test_readme_example.cpp" ] || { echo "FAIL: README has no C++ example"; fail=1; }

shopt -s nullglob
for src in "$here"/test_*.cpp "$out"/test_readme_example.cpp; do
  name=$(basename "${src%.*}")
  for exc in exceptions no-exceptions; do
    flags=(-std=c++17 "${warn[@]}" "-f$exc" -pthread -I"$root/include")
    echo "--- $name ($exc, static, ASan+UBSan)"
    c++ "${flags[@]}" "${san[@]}" "$src" "$lib/libtollgate.a" -o "$out/${name}_${exc}_static" &&
      "$out/${name}_${exc}_static" "$root" || { echo "FAIL $name $exc static"; fail=1; }
    echo "--- $name ($exc, shared, ASan+UBSan)"
    c++ "${flags[@]}" "${san[@]}" "$src" -L"$lib" -ltollgate -Wl,-rpath,"$lib" \
      -o "$out/${name}_${exc}_shared" &&
      "$out/${name}_${exc}_shared" "$root" || { echo "FAIL $name $exc shared"; fail=1; }
  done
  echo "--- $name (no-exceptions, shared, valgrind)"
  c++ -std=c++17 "${warn[@]}" -fno-exceptions -pthread -g -I"$root/include" "$src" -L"$lib" -ltollgate \
    -Wl,-rpath,"$lib" -o "$out/${name}_plain" &&
    TOLLGATE_ALLOC_COUNT_OPTIONAL=1 \
    valgrind -q --error-exitcode=99 --leak-check=full "$out/${name}_plain" "$root" ||
    { echo "FAIL $name valgrind"; fail=1; }
done
[ $fail = 0 ] && echo "C++ header: all passed" || echo "C++ header: FAILED"
exit $fail
