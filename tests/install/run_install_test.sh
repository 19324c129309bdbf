#!/bin/sh
# Installs the build into a temporary prefix (docs/embedding.md's `cmake
# --install`), then builds the hosts in this directory against it: with
# find_package(meldcode) a C host that links the plugin and a C++ host that
# loads it through the SDK; with the pkg-config compile line the C host again,
# and the README's minimal C host. Runs each on a fresh store.
#
#   run_install_test.sh BUILD_DIR
set -eu
build="$1"
here="$(cd "$(dirname "$0")" && pwd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

# A key ring file with a fresh key, owner-only.
key_ring() {
    (umask 077 && printf '{"active": "k1", "keys": {"k1": "%s"}}' \
        "$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')" >"$1")
}

# The one mc_open configuration of this test: the store and its key ring beside it.
config() {
    key_ring "$1.keys"
    printf '{"store_path": "%s", "keys": {"file": "%s"}}' "$1" "$1.keys"
}

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in include/meldcode/meldcode.h include/meldcode/meldcode.hpp lib/libmeldcode.so.1 \
         lib/cmake/meldcode/meldcodeConfig.cmake lib/pkgconfig/meldcode.pc \
         include/meldcode/meldcode_extension.h bin/meldcoded bin/meldcode-admin \
         share/meldcode/schemas/openapi.yaml share/meldcode/schemas/ticket.schema.json \
         share/meldcode/schemas/sidecar/meldcoded_config.schema.json; do
    [ -e "$prefix/$f" ] || { echo "not installed: $f"; exit 1; }
done

# The installed programs run from the prefix; meldcode-admin finds the
# installed plugin beside it (bin/../lib/) and verifies a store's chain.
"$prefix/bin/meldcoded" --version | grep -q '^meldcoded ' || { echo "meldcoded does not run"; exit 1; }
[ ! -e "$prefix/share/meldcode/schemas/examples" ] || { echo "schema examples installed"; exit 1; }

echo "== find_package(meldcode)"
cmake -S "$here" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
"$work/cmake-build/host" "$(config "$work/cmake.db")"
env -u MELDCODE_PLUGIN "$work/cmake-build/sdk_host" "$(config "$work/sdk.db")"

config "$work/admin.db" >"$work/admin.json"
env -u MELDCODE_PLUGIN "$work/cmake-build/host" "$(cat "$work/admin.json")" >/dev/null
env -u MELDCODE_PLUGIN "$prefix/bin/meldcode-admin" audit-verify --config "$work/admin.json" |
    grep -q '"ok":true' || { echo "installed meldcode-admin: no verified chain"; exit 1; }

echo "== pkg-config"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
libdir=$(pkg-config --variable=libdir meldcode)
# shellcheck disable=SC2046  # the flags must split into words
cc -std=c99 -Wall -Wextra -Werror "$here/host.c" -o "$work/host-pc" \
   $(pkg-config --cflags --libs meldcode) -Wl,-rpath,"$libdir"
"$work/host-pc" "$(config "$work/pc.db")"
[ -f "$(pkg-config --variable=plugin meldcode)" ] || { echo "pkg-config plugin path wrong"; exit 1; }

echo "== the README's minimal C host, as written"
mkdir "$work/readme"
sed -n '/^A minimal host in C/,/^```$/p' "$here/../../README.md" | sed '1,/^```c /d;$d' \
    >"$work/readme/host.c"
grep -q mc_ticket_closed "$work/readme/host.c" || { echo "README: no C host found"; exit 1; }
# shellcheck disable=SC2046
cc -std=c99 -Wall -Wextra -Werror "$work/readme/host.c" -o "$work/readme/host" \
   $(pkg-config --cflags --libs meldcode) -Wl,-rpath,"$libdir"
key_ring "$work/readme/meldcode.keys"
out=$(cd "$work/readme" && ./host)
case "$out" in
    *'"ask":true'*'"prompt_token":"p_'*) echo "README host: asked" ;;
    *) echo "README host printed no prompt: $out"; exit 1 ;;
esac
