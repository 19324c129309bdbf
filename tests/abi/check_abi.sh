#!/bin/sh
# Compares the built plugin's ABI with the committed baseline
# (plugin_api/abi/libmeldcode.abi) using libabigail's abidiff.
#
# Added functions are compatible (a minor ABI bump): they are reported and
# pass. Everything else fails: a removed function (abidiff's
# ABI_INCOMPATIBLE_CHANGE bit) and also a changed one, which abidiff only
# flags as ABI_CHANGE (a parameter turned from const char* into an int is
# "a change", not "incompatible", to abidiff, but it breaks every host).
set -eu
root="$1"
plugin="$2"
baseline="$root/plugin_api/abi/libmeldcode.abi"
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
"$root/scripts/abi-baseline" "$plugin" "$fresh"

status=0
abidiff "$baseline" "$fresh" || status=$?
if [ "$status" -eq 0 ]; then
    echo "ABI unchanged from the baseline"
    exit 0
fi
# abidiff's exit status is a bit set: 1 error, 2 usage error, 4 ABI change,
# 8 incompatible ABI change.
if [ $((status & 3)) -ne 0 ]; then
    echo "abidiff failed to compare (exit $status)"
    exit 1
fi
# Leaving out added functions, is anything still different?
if ! abidiff --no-added-syms "$baseline" "$fresh" >/dev/null; then
    echo "INCOMPATIBLE ABI CHANGE (see above). If intended, follow 'Bumping the ABI on purpose'"
    echo "in plugin_api/ABI.md: bump MC_ABI_VERSION_MAJOR and run scripts/abi-baseline."
    exit 1
fi
echo "compatible ABI additions (see above); when releasing them, bump MC_ABI_VERSION_MINOR"
echo "and run scripts/abi-baseline (plugin_api/ABI.md)."
