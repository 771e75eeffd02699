#!/bin/sh
# install.sh - install the build into a temporary prefix (what `make install PREFIX=...` runs)
# and use the installed tree as a user would: the files in place, tirc --version, libtirc.so's
# soname, exports and libraries (ldd), a C program built with pkg-config and with CMake's
# find_package(tirc) (shared and static), run and checked, tirc.h together with a header that
# `tirc -o` writes, in either order, and the Python package pip-installed over the tree.
#
#   install.sh BUILD SOURCE CC
set -eu
build=$1 src=$2 cc=$3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tirc-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }
prefix=$tmp/prefix

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || { cat "$tmp/install.log"; fail "cmake --install"; }
ver=$(sed -n 's/^#define TIRC_VERSION_STRING "\(.*\)"$/\1/p' "$src/include/tirc.h")
major=${ver%%.*}
for f in bin/tirc include/tirc.h "lib/libtirc.so.$ver" "lib/libtirc.so.$major" lib/libtirc.so \
         lib/libtirc.a lib/pkgconfig/tirc.pc lib/cmake/tirc/tircConfig.cmake \
         lib/cmake/tirc/tircConfigVersion.cmake share/man/man1/tirc.1; do
  [ -e "$prefix/$f" ] || fail "$f is not installed"
done
if [ -d "$src/stdlib" ]; then
  (cd "$src/stdlib" && find . -type f | sort) >"$tmp/want"
  (cd "$prefix/share/tirc/stdlib" && find . -type f | sort) >"$tmp/got" || true
  cmp -s "$tmp/want" "$tmp/got" || fail "share/tirc/stdlib differs from stdlib/"
fi
echo "installed: $(cd "$prefix" && find . -type f | wc -l) files"

[ "$("$prefix/bin/tirc" --version)" = "tirc $ver" ] || fail "tirc --version: $("$prefix/bin/tirc" --version)"
soname=$(readelf -d "$prefix/lib/libtirc.so.$ver" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = "libtirc.so.$major" ] || fail "soname '$soname'"
! ldd "$prefix/lib/libtirc.so.$major" | grep 'not found' || fail "ldd: a library is not found"
others=$(nm -D --defined-only "$prefix/lib/libtirc.so.$ver" | awk '$2 != "A" && $3 !~ /^tirc_/')
[ -z "$others" ] || fail "libtirc.so exports more than tirc_*: $others"
echo "libtirc.so.$ver: soname $soname, $(nm -D --defined-only "$prefix/lib/libtirc.so.$ver" | grep -c ' T tirc_') tirc_* functions"

# pkg-config, against the shared library
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
[ "$(pkg-config --modversion tirc)" = "$ver" ] || fail "pkg-config --modversion"
libdir=$(pkg-config --variable=libdir tirc)
# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -Werror "$here/app/app.c" $(pkg-config --cflags --libs tirc) \
  -Wl,-rpath,"$libdir" -o "$tmp/app_pc" || fail "building with pkg-config"
echo "pkg-config: $("$tmp/app_pc")" || fail "app_pc"
"$tmp/app_pc" >/dev/null || fail "app_pc failed"

# CMake, against both libraries
cmake -S "$here/app" -B "$tmp/app" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" >"$tmp/cmake.log" 2>&1 || { cat "$tmp/cmake.log"; fail "find_package(tirc)"; }
cmake --build "$tmp/app" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "building with CMake"; }
"$tmp/app/app" >"$tmp/out" || { cat "$tmp/out"; fail "app (tirc::tirc) failed"; }
echo "cmake tirc::tirc: $(cat "$tmp/out")"
ldd "$tmp/app/app" | grep -q "libtirc.so.$major => $prefix/lib/" || fail "app does not use the installed libtirc.so"
"$tmp/app/app_static" >"$tmp/out" || { cat "$tmp/out"; fail "app_static (tirc::tirc_static) failed"; }
echo "cmake tirc::tirc_static: $(cat "$tmp/out")"
! ldd "$tmp/app/app_static" | grep -q libtirc || fail "app_static links libtirc.so"

# tirc.h and a kernel header, both orders
"$prefix/bin/tirc" "$src/examples/matmul.tir" -o "$tmp/mm.o"
printf '#include <tirc.h>\n#include "mm.h"\nint f(void) { return TIRC_OK + (int)TIRC_ERROR_RUN; }\n' >"$tmp/a.c"
printf '#include "mm.h"\n#include <tirc.h>\nint f(void) { return TIRC_NOMEM + (int)TIRC_ERROR_RUN; }\n' >"$tmp/b.c"
for t in a b; do
  "$cc" -std=c11 -Wall -Wextra -Werror -c -I"$prefix/include" -I"$tmp" "$tmp/$t.c" -o "$tmp/$t.o" ||
    fail "tirc.h with a kernel header ($t.c)"
done
# the Python package, pip-installed, over the installed libtirc (found on LD_LIBRARY_PATH)
py=/usr/bin/python3
if "$py" -c 'import numpy' 2>/dev/null && "$py" -m pip --version >/dev/null 2>&1; then
  cp -r "$src/python" "$tmp/python"
  "$py" -m pip install --quiet --no-build-isolation --no-deps --target "$tmp/site" "$tmp/python" \
    >"$tmp/pip.log" 2>&1 || { cat "$tmp/pip.log"; fail "pip install ./python"; }
  out=$(cd "$tmp" && env -u TIRC_LIBRARY PYTHONPATH="$tmp/site" LD_LIBRARY_PATH="$prefix/lib" "$py" -c '
import numpy as np, tirc
a = np.arange(12, dtype=np.float32).reshape(3, 4); b = np.ones((4, 2), np.float32)
c = tirc.compile("func mm(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) {\n  C[i, j] = sum[k](A[i, k] * B[k, j]);\n}\n").mm(a, b)
assert (c == a @ b).all(), c
assert "'"$prefix/lib/libtirc.so.$ver"'" in open("/proc/self/maps").read(), "not the installed libtirc"
print("python:", tirc.__file__.startswith("'"$tmp/site"'"), tirc.version(), c[:, 0].tolist())') ||
    fail "the pip-installed package"
  [ "$out" = "python: True $ver [6.0, 22.0, 38.0]" ] || fail "python printed: $out"
  echo "$out"
else
  echo "python: skipped (no NumPy or pip for $py)"
fi
echo "ok"
