#!/usr/bin/env bash
# HTTP benchmark of meldcoded with wrk on loopback, in one run:
#   the ticket-closed and submission endpoints of the sidecar, vs. a trivial
#   cpprestsdk handler (bench/http/trivial_handler.cpp, same thread count) and
#   nginx serving a small static file (both started here with temp configs).
# Prints a Markdown table (requests/s, p99, ratios) for bench/RESULTS.md.
#   bench/http/run.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-10}"
CONNECTIONS=64
WRK_THREADS=2
HTTP_THREADS=4
BUILD=build
cmake --build "$BUILD" --target meldcoded http_trivial_handler meldcode >/dev/null

WORK="$(mktemp -d /tmp/meldcode-http-bench.XXXXXX)"
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done; return 1; }

# The sidecar, configured by the one config helper (scripts/meldcoded_config.py).
SIDECAR_PORT=$(free_port)
TOKEN=$(python3 - "$WORK" "$BUILD" "$SIDECAR_PORT" <<'PY'
import json, os, sys
sys.path.insert(0, "scripts")
import meldcoded_config as m
work, build, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
token = m.new_token()
entry = m.token_entry(token, integration={"id": "bench-erp", "acts_for": []})
config = m.sidecar_config(os.path.abspath(build + "/plugins/meldcode/libmeldcode.so"),
                          work + "/meldcode.db", [entry], port)
config["log_level"] = "warn"  # one log line per request would measure stderr
json.dump(config, open(work + "/meldcoded.json", "w"))
print(token)
PY
)
"$BUILD/host_adapters/rest/meldcoded" --config "$WORK/meldcoded.json" >/dev/null 2>"$WORK/meldcoded.log" &
PIDS+=($!)

TRIVIAL_PORT=$(free_port)
"$BUILD/bench/http_trivial_handler" "$TRIVIAL_PORT" "$HTTP_THREADS" >/dev/null &
PIDS+=($!)

NGINX_PORT=$(free_port)
mkdir -p "$WORK/www" "$WORK/nginx"
printf '{"status":"ok"}' >"$WORK/www/small.json"
cat >"$WORK/nginx.conf" <<NGINX
daemon off;
worker_processes auto;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx;
    server { listen 127.0.0.1:$NGINX_PORT; root $WORK/www; }
}
NGINX
nginx -p "$WORK/nginx" -c "$WORK/nginx.conf" &
PIDS+=($!)

wait_for "http://127.0.0.1:$SIDECAR_PORT/healthz"
wait_for "http://127.0.0.1:$TRIVIAL_PORT/"
wait_for "http://127.0.0.1:$NGINX_PORT/small.json"

# run <label> <url> [lua kind]: prints "label rps p99_ms non2xx"
run() {
    local label=$1 url=$2 kind=${3:-}
    local args=(-t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency)
    [ -n "$kind" ] && args+=(-s bench/http/post.lua)
    local out
    out=$(BENCH_KIND="$kind" BENCH_TOKEN="$TOKEN" BENCH_NOW="$(date -u +%FT%TZ)" wrk "${args[@]}" "$url")
    local rps p99 non2xx
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
    non2xx=$(awk -F= '/^non2xx=/ {print $2}' <<<"$out")
    echo "$label $rps $p99 ${non2xx:-0}"
}

results=()
results+=("$(run nginx "http://127.0.0.1:$NGINX_PORT/small.json")")
results+=("$(run trivial "http://127.0.0.1:$TRIVIAL_PORT/")")
results+=("$(run ticket_closed "http://127.0.0.1:$SIDECAR_PORT" ticket)")
results+=("$(run submissions "http://127.0.0.1:$SIDECAR_PORT" submission)")

echo "| endpoint | requests/s | p99 (ms) | non-2xx | vs trivial cpprestsdk | vs nginx |"
echo "|---|---|---|---|---|---|"
nginx_rps=$(awk '{print $2}' <<<"${results[0]}")
trivial_rps=$(awk '{print $2}' <<<"${results[1]}")
for r in "${results[@]}"; do
    read -r label rps p99 non2xx <<<"$r"
    awk -v l="$label" -v r="$rps" -v p="$p99" -v n="$non2xx" -v t="$trivial_rps" -v g="$nginx_rps" \
        'BEGIN {printf "| %s | %.0f | %.2f | %d | %.2fx | %.2fx |\n", l, r, p, n, r/t, r/g}'
done
echo "(wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s on loopback; $(nproc) CPUs; $(date -u +%F))"
