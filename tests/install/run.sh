#!/usr/bin/env bash
# The installed library as a C/C++ project sees it (issue 9 section 1):
# - scripts/install into a temporary prefix lays out the header(s), libtollgate.a,
#   libtollgate.so.X.Y.Z with SONAME libtollgate.so.X and both symlinks, tollgate.pc and the
#   CMake package;
# - the .so exports exactly the functions the header declares;
# - the README example and every tests/c consumer build against the installed copy with
#   nothing but `pkg-config --cflags --libs tollgate` (shared, run through its rpath) and with
#   `pkg-config --static` (static: the archive, checked to need no libtollgate.so), and run;
# - find_package(tollgate) works for both CMake targets (when cmake is installed);
# - scripts/uninstall leaves the prefix empty.
# Prints "ok"/"FAIL" per check and exits non-zero on any failure.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix with space"
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

"$root/scripts/install" "$prefix" > "$work/install.log" 2>&1 || { cat "$work/install.log"; echo "FAIL: scripts/install"; exit 1; }
lib="$prefix/lib"
version=$(awk '$2 == "TOLLGATE_VERSION_MAJOR" {a=$3} $2 == "TOLLGATE_VERSION_MINOR" {b=$3} $2 == "TOLLGATE_VERSION_PATCH" {c=$3} END {print a "." b "." c}' "$root/include/tollgate.h")
major=${version%%.*}

# Layout.
for f in include/tollgate.h lib/libtollgate.a "lib/libtollgate.so.$version" lib/pkgconfig/tollgate.pc \
    lib/cmake/tollgate/tollgate-config.cmake lib/cmake/tollgate/tollgate-config-version.cmake; do
  [ -f "$prefix/$f" ] && ok "installed $f" || bad "missing $f"
done
if [ -f "$root/include/tollgate.hpp" ]; then
  [ -f "$prefix/include/tollgate.hpp" ] && ok "installed include/tollgate.hpp" || bad "missing include/tollgate.hpp"
fi
[ "$(readlink "$lib/libtollgate.so.$major")" = "libtollgate.so.$version" ] && ok "libtollgate.so.$major -> libtollgate.so.$version" || bad "libtollgate.so.$major symlink"
[ "$(readlink "$lib/libtollgate.so")" = "libtollgate.so.$major" ] && ok "libtollgate.so -> libtollgate.so.$major" || bad "libtollgate.so symlink"
soname=$(readelf -d "$lib/libtollgate.so.$version" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = "libtollgate.so.$major" ] && ok "SONAME $soname" || bad "SONAME is '$soname'"

# Exports = the header's functions. Declarations are the non-comment lines; a name followed
# by '(' there is a declared function.
grep -v -E '^\s*(\*|/\*\*|\*/|//)' "$prefix/include/tollgate.h" | grep -oE '\btollgate_[a-z0-9_]+\s*\(' |
  sed 's/[ (]//g' | sort -u > "$work/declared"
if nm -D --defined-only "$lib/libtollgate.so.$version" > "$work/nm"; then
  awk '{print $NF}' "$work/nm" | sed 's/@.*//' | sort -u > "$work/exported"
  if [ -s "$work/declared" ] && diff "$work/declared" "$work/exported" > "$work/diff"; then
    ok "the .so exports exactly the $(wc -l < "$work/declared") functions the header declares"
  else
    bad "exports differ from the header ('<' declared only, '>' exported only):"; cat "$work/diff"
  fi
else
  bad "nm -D failed"
fi

# Consumers through pkg-config only.
export PKG_CONFIG_PATH="$lib/pkgconfig"
pkg-config --exists tollgate && [ "$(pkg-config --modversion tollgate)" = "$version" ] && ok "pkg-config finds tollgate $version" || bad "pkg-config tollgate"
# No -r: pkg-config escapes spaces in paths with backslashes, which read then honours.
read -a cflags <<< "$(pkg-config --cflags tollgate)"
read -a libs <<< "$(pkg-config --libs tollgate)"
read -a static_libs <<< "$(pkg-config --static --libs tollgate)"
# With both libraries installed the linker prefers the .so for -ltollgate; a static link
# names the archive (-l:libtollgate.a, GNU ld and lld) and keeps the rest of --static.
static_libs=("${static_libs[@]/#-ltollgate/-l:libtollgate.a}")
rpath=$(pkg-config --variable=libdir tollgate)
rpath=${rpath//\\ / } # the .pc escapes spaces
awk '/^```c$/{on=1;next} /^```$/{if(on){exit}} on' "$root/README.md" > "$work/readme_example.c"
warn=(-Wall -Wextra -Werror -pedantic)
shopt -s nullglob
for src in "$work/readme_example.c" "$root"/tests/c/test_*.c "$root"/tests/c/test_*.cpp; do
  name=$(basename "${src%.*}")
  case "$src" in *.cpp) comp=(c++ -std=c++17) ;; *) comp=(cc -std=c99) ;; esac
  if "${comp[@]}" "${warn[@]}" "$src" "${cflags[@]}" "${libs[@]}" "-Wl,-rpath,$rpath" -o "$work/${name}_shared" &&
      (cd "$work" && "./${name}_shared" "$root" > /dev/null); then
    ok "$name: pkg-config shared build runs"
  else
    bad "$name: pkg-config shared build"
  fi
  if "${comp[@]}" "${warn[@]}" "$src" "${cflags[@]}" "${static_libs[@]}" -o "$work/${name}_static" &&
      ! readelf -d "$work/${name}_static" | grep -q 'libtollgate' &&
      (cd "$work" && "./${name}_static" "$root" > /dev/null); then
    ok "$name: pkg-config --static build runs without libtollgate.so"
  else
    bad "$name: pkg-config --static build"
  fi
done

# CMake package.
if command -v cmake > /dev/null; then
  mkdir -p "$work/cmake"
  cp "$work/readme_example.c" "$work/cmake/app.c"
  cat > "$work/cmake/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.13)
project(tollgate_consumer C)
find_package(tollgate 0.1 REQUIRED)
add_executable(app_shared app.c)
target_link_libraries(app_shared PRIVATE tollgate::tollgate)
add_executable(app_static app.c)
target_link_libraries(app_static PRIVATE tollgate::tollgate_static)
CM
  if cmake -S "$work/cmake" -B "$work/cmake/build" -DCMAKE_PREFIX_PATH="$prefix" > "$work/cmake.log" 2>&1 &&
      cmake --build "$work/cmake/build" >> "$work/cmake.log" 2>&1 &&
      "$work/cmake/build/app_shared" "$root" > /dev/null && "$work/cmake/build/app_static" "$root" > /dev/null &&
      ! readelf -d "$work/cmake/build/app_static" | grep -q libtollgate; then
    ok "find_package(tollgate): shared and static targets build and run"
  else
    cat "$work/cmake.log"; bad "find_package(tollgate)"
  fi
  mkdir -p "$work/cmake2"
  printf 'cmake_minimum_required(VERSION 3.13)\nproject(p C)\nfind_package(tollgate 9 REQUIRED)\n' > "$work/cmake2/CMakeLists.txt"
  if cmake -S "$work/cmake2" -B "$work/cmake2/build" -DCMAKE_PREFIX_PATH="$prefix" > /dev/null 2>&1; then
    bad "find_package(tollgate 9) accepted version $version"
  else
    ok "find_package(tollgate 9) refuses version $version"
  fi
else
  echo "skip: cmake not installed (scripts/setup installs it)"
fi

# Uninstall.
"$root/scripts/uninstall" "$prefix" > /dev/null
left=$(find "$prefix" -mindepth 1 ! -type d)
[ -z "$left" ] && ok "scripts/uninstall removed every file" || { bad "left after uninstall:"; echo "$left"; }
exit $fail
