#!/usr/bin/env bash
# The benchmark with an outside load generator (wrk), so the client is not cognate's own
# code: `scripts/bench.sh --wrk [--seconds N] [--connections N] [--users N]
# [--endpoint URL] [--compare URL] [--json FILE]`.
#
# Without --endpoint it builds the release binary and starts it on SQLite in a temporary
# directory. Against each endpoint (and --compare's, any other Cognito-compatible
# server) it creates a pool with --users users, then drives AdminGetUser (a random user
# each request), DescribeUserPool and ListUsers (an `email =` filter) with wrk for
# --seconds each over --connections keep-alive connections (2 threads), and prints a
# Markdown table; --json also writes the figures as JSON.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=5 connections=16 users=2000 endpoint="" compare="" json=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --users) users="$2"; shift 2 ;;
    --endpoint) endpoint="$2"; shift 2 ;;
    --compare) compare="$2"; shift 2 ;;
    --json) json="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

if ! command -v wrk >/dev/null; then
  echo "installing wrk" >&2
  apt-get install -y -qq wrk >/dev/null
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

if [[ -z "$endpoint" ]]; then
  cargo build --release --locked -p cognate >&2
  target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  mkdir -p "$work/data"
  "$target_dir/release/cognate" serve --listen 127.0.0.1:0 --data "$work/data" --log warn >"$work/out" &
  server_pid=$!
  for _ in $(seq 100); do
    if grep -q "listening on" "$work/out" 2>/dev/null; then break; fi
    sleep 0.1
  done
  endpoint="http://$(sed -n 's/^listening on //p' "$work/out" | head -1)"
fi

# Creates the pool and its users at an endpoint; prints the pool id.
setup() {
  python3 - "$1" "$users" <<'EOF'
import http.client, json, sys, urllib.parse
url, users = urllib.parse.urlparse(sys.argv[1]), int(sys.argv[2])
conn = http.client.HTTPConnection(url.hostname, url.port or 80)
def call(op, body):
    conn.request("POST", "/", json.dumps(body), {
        "X-Amz-Target": f"AWSCognitoIdentityProviderService.{op}",
        "Content-Type": "application/x-amz-json-1.1",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00",
    })
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        sys.exit(f"{op} answered {r.status}: {data[:200]!r}")
    return json.loads(data or b"{}")
pool = call("CreateUserPool", {"PoolName": "wrk"})["UserPool"]["Id"]
for i in range(users):
    call("AdminCreateUser", {"UserPoolId": pool, "Username": f"user{i}", "MessageAction": "SUPPRESS",
        "UserAttributes": [{"Name": "email", "Value": f"user{i}@example.com"}]})
print(pool)
EOF
}

# wrk's Lua script for one operation; `{n}` in the body becomes a random user's number.
lua() {
  local op="$1" body="$2"
  cat <<EOF
wrk.method = "POST"
wrk.headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService.$op"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00"
local body = [[$body]]
request = function()
  local n = tostring(math.random(0, $users - 1))
  return wrk.format(nil, "/", nil, (body:gsub("{n}", n)))
end
EOF
}

# Runs one operation against an endpoint: "requests/s p50_ms p99_ms non2xx".
measure() {
  local url="$1" op="$2" body="$3"
  lua "$op" "$body" >"$work/$op.lua"
  wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$work/$op.lua" "$url" >"$work/$op.txt"
  python3 - "$work/$op.txt" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    n, unit = float(m.group(1)), m.group(2)
    return n / 1000 if unit == "us" else n * 1000 if unit == "s" else n
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"50%\s+(\S+)", text).group(1))
p99 = ms(re.search(r"99%\s+(\S+)", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:.0f} {p50:.3f} {p99:.3f} {bad.group(1) if bad else 0}")
EOF
}

results="$work/results"
: >"$results"
for url in "$endpoint" ${compare:+"$compare"}; do
  echo "setting up $url ($users users)" >&2
  pool=$(setup "$url")
  while IFS='|' read -r name op body; do
    read -r rps p50 p99 bad < <(measure "$url" "$op" "$body")
    echo "$url|$name|$rps|$p50|$p99|$bad" >>"$results"
  done <<EOF
AdminGetUser (random user)|AdminGetUser|{"UserPoolId":"$pool","Username":"user{n}"}
DescribeUserPool|DescribeUserPool|{"UserPoolId":"$pool"}
ListUsers email = "..."|ListUsers|{"UserPoolId":"$pool","Filter":"email = \"user{n}@example.com\""}
EOF
done

echo "# wrk, $connections connections, 2 threads, ${seconds} s per run, $users users"
echo
echo "| endpoint | operation | requests/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|---|"
while IFS='|' read -r url name rps p50 p99 bad; do
  echo "| $url | $name | $rps | $p50 | $p99 | $bad |"
done <"$results"
if [[ -n "$json" ]]; then
  python3 - "$results" "$json" <<'EOF'
import json, sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
out = [{"endpoint": u, "operation": n, "requests_per_second": float(r), "p50_ms": float(a),
        "p99_ms": float(b), "non_2xx": int(e)} for u, n, r, a, b, e in rows]
json.dump(out, open(sys.argv[2], "w"), indent=2)
EOF
fi
