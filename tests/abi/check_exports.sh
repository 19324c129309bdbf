#!/bin/sh
# Fails when the plugin exports any dynamic symbol that is not mc_*.
set -eu
plugin="$1"
symbols=$(nm -D --defined-only "$plugin" | awk '{print $3}')
[ -n "$symbols" ] || { echo "no exported symbols in $plugin"; exit 1; }
bad=$(printf '%s\n' "$symbols" | grep -v '^mc_' || true)
if [ -n "$bad" ]; then
    echo "exported symbols without the mc_ prefix:"; printf '%s\n' "$bad"; exit 1
fi
echo "$(printf '%s\n' "$symbols" | wc -l) exported symbols, all mc_*"
