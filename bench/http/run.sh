#!/usr/bin/env bash
# HTTP benchmark of meldcoded with wrk on loopback, in one run:
#   1. the ticket-closed and submission endpoints of the sidecar, vs. nginx
#      serving a small static file and a trivial Boost.Beast handler
#      (bench/http/trivial_handler.cpp, same thread count, reading the same
#      POST whole), both started here with temporary configurations;
#   2. GET /healthz's p99 while 200 slow clients and a header flood
#      (bench/http/attack.py) run against the same sidecar, vs. without them.
# The sidecar and its floors run in interleaved rounds, and each ratio is the
# median of the rounds' ratios, so a noisy neighbour on this shared VM moves
# both sides. Prints Markdown tables for bench/RESULTS.md.
#   bench/http/run.sh [seconds per run, default 10] [rounds, default 5]
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION="${1:-10}"
ROUNDS="${2:-5}"
CONNECTIONS=64
WRK_THREADS=2
HTTP_THREADS=4
BUILD=build
command -v wrk >/dev/null && command -v nginx >/dev/null || {
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends wrk nginx-light
}
cmake --build "$BUILD" --target meldcoded http_trivial_handler meldcode >/dev/null

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
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

# A second floor answers with a body as long as a real prompt.
PROMPT_BYTES=$(curl -s -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d '{"host_ticket_id":"bench-size","unit_id":"bench-unit","work_type":"REP","entered_dwelling":true,"technician_id":"bench-tech","closed_at":"'"$(date -u +%FT%TZ)"'"}' \
    "http://127.0.0.1:$SIDECAR_PORT/v1/tickets/closed" | wc -c)
SIZED_PORT=$(free_port)
"$BUILD/bench/http_trivial_handler" "$SIZED_PORT" "$HTTP_THREADS" "$PROMPT_BYTES" >/dev/null &
PIDS+=($!)
wait_for "http://127.0.0.1:$SIZED_PORT/"

# run <label> <url> [lua kind] [connections]: prints "label rps p99_ms non2xx"
run() {
    local label=$1 url=$2 kind=${3:-} connections=${4:-$CONNECTIONS}
    local args=(-t"$WRK_THREADS" -c"$connections" -d"${DURATION}s" --latency)
    [ -n "$kind" ] && args+=(-s bench/http/post.lua)
    local out
    out=$(BENCH_KIND="$kind" BENCH_TOKEN="$TOKEN" BENCH_NOW="$(date -u +%FT%TZ)" BENCH_RUN="$(date +%s%N)" wrk "${args[@]}" "$url")
    local rps p99 non2xx
    rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' <<<"$out")
    non2xx=$(awk -F= '/^non2xx=/ {print $2}' <<<"$out")
    echo "$label $rps $p99 ${non2xx:-0}"
}

# "round label rps p99 non2xx" lines; progress goes to stderr.
RESULTS="$WORK/results"
measure() {
    local round=$1 label=$2
    shift 2
    echo "round $round: $label" >&2
    echo "$round $(run "$label" "$@")" >>"$RESULTS"
}
# /healthz from 8 connections, alone and under attack (table 2).
HEALTH_CONNECTIONS=8
attacked() {
    python3 bench/http/attack.py "$SIDECAR_PORT" $((DURATION + 3)) 200 4 &
    local attacker=$!
    sleep 2  # the slow clients are connected, the flood is running
    run "$@"
    wait "$attacker"
}
for round in $(seq "$ROUNDS"); do
    measure "$round" nginx "http://127.0.0.1:$NGINX_PORT/small.json"
    measure "$round" trivial "http://127.0.0.1:$TRIVIAL_PORT" ticket
    measure "$round" trivial_prompt_sized "http://127.0.0.1:$SIZED_PORT" ticket
    measure "$round" ticket_closed "http://127.0.0.1:$SIDECAR_PORT" ticket
    measure "$round" healthz "http://127.0.0.1:$SIDECAR_PORT/healthz" "" "$HEALTH_CONNECTIONS"
    echo "round $round: healthz_attacked" >&2
    echo "$round $(attacked healthz_attacked "http://127.0.0.1:$SIDECAR_PORT/healthz" "" "$HEALTH_CONNECTIONS")" >>"$RESULTS"
    # Every submission lands on the same dwelling's concern, which grows by
    # thousands of submissions a round: what a concern costs must not grow
    # with it.
    measure "$round" submissions "http://127.0.0.1:$SIDECAR_PORT" submission
    # Each submission at a dwelling of its own: each opens a concern, the
    # more common case, and writes more pages than one that joins a concern.
    measure "$round" submissions_new_concern "http://127.0.0.1:$SIDECAR_PORT" new_concern
done

python3 - "$RESULTS" "$HEALTH_CONNECTIONS" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
by = {}
for round_, label, rps, p99, non2xx in rows:
    by.setdefault(label, {})[round_] = (float(rps), float(p99), int(non2xx))
def median_ratio(label, floor):
    """Within a round when both ran in it, else median against median."""
    common = [r for r in by[label] if r in by[floor]]
    if len(common) == len(by[label]):
        return statistics.median(by[label][r][0] / by[floor][r][0] for r in common)
    return statistics.median(r[0] for r in by[label].values()) / statistics.median(
        r[0] for r in by[floor].values())
floors = ["trivial", "trivial_prompt_sized", "nginx"]
print("| endpoint | rounds | requests/s (median) | p99 ms (median) | non-2xx | vs trivial Beast | vs trivial Beast, prompt-sized reply | vs nginx |")
print("|---|---|---|---|---|---|---|---|")
for label in ["nginx", "trivial", "trivial_prompt_sized", "ticket_closed", "submissions",
              "submissions_new_concern"]:
    runs = by[label].values()
    print("| %s | %d | %.0f | %.2f | %d | %s |" % (
        label, len(runs), statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs), sum(r[2] for r in runs),
        " | ".join("%.2fx" % median_ratio(label, floor) for floor in floors)))
print()
print("| GET /healthz, %s connections | rounds | requests/s (median) | p99 ms (median) | p99 per round (ms) |"
      % sys.argv[2])
print("|---|---|---|---|---|")
for label, what in [("healthz", "alone"), ("healthz_attacked", "with 200 slow clients and 4 header floods")]:
    runs = [by[label][r] for r in sorted(by[label])]
    print("| %s | %d | %.0f | %.2f | %s |" % (
        what, len(runs), statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs), ", ".join("%.2f" % r[1] for r in runs)))
PY
echo "(wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s on loopback, $ROUNDS interleaved rounds; every row of the first table but nginx sends the ticket-closed or submission POST; prompt $PROMPT_BYTES bytes; $(nproc) CPUs; load before: $LOAD_BEFORE; $(date -u +%F))"
