#!/usr/bin/env bash
# The C/C++ consumers: the header compiles alone as C99, C11, C++11 and C++17 with
# -Wall -Wextra -Werror -pedantic; every tests/c/test_*.c is built against the static and the
# shared library and run under ASan+UBSan; each is also run once under valgrind (shared). The
# release library's stack figures are checked against the documented ones (measure_token_stack.c).
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

echo "--- header alone"
printf '#include "tollgate.h"\nint main(void){return 0;}\n' > "$out/header_only.c"
cp "$out/header_only.c" "$out/header_only.cpp"
for std in c99 c11; do
  cc -std=$std "${warn[@]}" -I"$root/include" "$out/header_only.c" -o "$out/header_$std" || fail=1
done
for std in c++11 c++17; do
  c++ -std=$std "${warn[@]}" -I"$root/include" "$out/header_only.cpp" -o "$out/header_$std" || fail=1
done

echo "--- a dropped status and a switch missing a status do not compile (-Werror)"
cat > "$out/must_use.c" <<'EOF_C'
#include "tollgate.h"
int main(void) { tollgate_policy p; tollgate_policy_set_leeway(&p, 1); return 0; }
EOF_C
cat > "$out/switch.c" <<'EOF_C'
#include "tollgate.h"
int f(tollgate_status s) { switch (s) { case TOLLGATE_STATUS_OK: return 0; } return 1; }
int main(void) { return f(TOLLGATE_STATUS_OK); }
EOF_C
for src in must_use switch; do
  cp "$out/$src.c" "$out/$src.cpp"
  for comp in "cc -std=c99" "c++ -std=c++11" "c++ -std=c++17"; do
    case "$comp" in cc*) file="$out/$src.c" ;; *) file="$out/$src.cpp" ;; esac
    if $comp "${warn[@]}" -I"$root/include" -c "$file" -o "$out/$src.o" 2>/dev/null; then
      echo "FAIL: $src compiled with $comp"; fail=1
    fi
  done
done

echo "--- README example"
awk '/^```c$/{on=1;next} /^```$/{if(on){exit}} on' "$root/README.md" > "$out/test_readme_example.c"
[ -s "$out/test_readme_example.c" ] || { echo "README has no C example"; fail=1; }

echo "--- stack of tollgate_keyset_parse and tollgate_verify (release, no sanitizers)"
cc -std=c99 -O2 "${warn[@]}" -I"$root/include" "$here/measure_token_stack.c" "$lib/libtollgate.a" \
  -lpthread -o "$out/measure_token_stack" && (cd "$root" && "$out/measure_token_stack") ||
  { echo "FAIL stack figures"; fail=1; }

shopt -s nullglob
for src in "$here"/test_*.c "$here"/test_*.cpp "$out"/test_readme_example.c; do
  name=$(basename "${src%.*}")
  case "$src" in *.cpp) comp=(c++ -std=c++17) ;; *) comp=(cc -std=c99) ;; esac
  echo "--- $name (static, ASan+UBSan)"
  "${comp[@]}" "${warn[@]}" "${san[@]}" -I"$root/include" "$src" "$lib/libtollgate.a" \
    -o "$out/${name}_static" && "$out/${name}_static" "$root" || { echo "FAIL $name static"; fail=1; }
  echo "--- $name (shared, ASan+UBSan)"
  "${comp[@]}" "${warn[@]}" "${san[@]}" -I"$root/include" "$src" -L"$lib" -ltollgate \
    -Wl,-rpath,"$lib" -o "$out/${name}_shared" && "$out/${name}_shared" "$root" || { echo "FAIL $name shared"; fail=1; }
  echo "--- $name (shared, valgrind)"
  "${comp[@]}" "${warn[@]}" -g -I"$root/include" "$src" -L"$lib" -ltollgate -Wl,-rpath,"$lib" \
    -o "$out/${name}_plain" &&
    valgrind -q --error-exitcode=99 --leak-check=full "$out/${name}_plain" "$root" ||
    { echo "FAIL $name valgrind"; fail=1; }
done
exit $fail
