#!/usr/bin/env bash
# The benchmark with an outside load generator (wrk), so the client is not cognate's own
# code: `scripts/bench.sh --wrk [--seconds N] [--connections N] [--users N]
# [--database-url URL] [--nodes N] [--binary PATH] [--endpoint URL] [--compare URL]
# [--json FILE]`.
#
# Without --endpoint it builds the release binary and starts it: on SQLite in a temporary
# directory, or with --database-url on that PostgreSQL database (emptied first), as
# --nodes servers sharing it (the load is split evenly between them and the figures
# summed). --binary runs that cognate executable instead of building one (to measure
# an earlier build beside this one). Against each endpoint (and --compare's, any other Cognito-compatible server)
# it creates a pool with --users users, each with an email address and a permanent
# password, and an app client, then drives for --seconds each over --connections
# keep-alive connections (2 wrk threads):
#
#   AdminGetUser and GetUser of a random user; DescribeUserPool; ListUsers with an
#   `email =` filter from one connection; InitiateAuth USER_PASSWORD_AUTH of a random
#   user; and users created, each AdminCreateUser then AdminSetUserPassword (a user
#   counts once its password is set).
#
# It prints a Markdown table; --json also writes the figures as JSON.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=5 connections=16 users=2000 endpoint="" compare="" json="" database_url="" nodes=1 binary=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --users) users="$2"; shift 2 ;;
    --endpoint) endpoint="$2"; shift 2 ;;
    --compare) compare="$2"; shift 2 ;;
    --json) json="$2"; shift 2 ;;
    --database-url) database_url="$2"; shift 2 ;;
    --nodes) nodes="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
if [[ "$nodes" -gt 1 && -z "$database_url" ]]; then
  echo "--nodes needs --database-url: nodes share a PostgreSQL database" >&2
  exit 2
fi

if ! command -v wrk >/dev/null; then
  echo "installing wrk" >&2
  apt-get install -y -qq wrk >/dev/null
fi

work=$(mktemp -d)
server_pids=()
schema=""
cleanup() {
  for pid in "${server_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -n "$schema" ]]; then
    wait 2>/dev/null || true
    psql -q "$bench_database_url" -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# Starts one server (node $1) and adds its URL to `endpoints`.
start_node() {
  local n="$1" out="$work/out$1"
  # One public URL for every node, as behind a load balancer: it is the tokens' issuer.
  local args=(serve --listen 127.0.0.1:0 --log warn --public-url http://cognate.localhost)
  if [[ -n "$database_url" ]]; then
    args+=(--database-url "$database_url")
  else
    mkdir -p "$work/data"
    args+=(--data "$work/data")
  fi
  COGNATE_MASTER_KEY="${COGNATE_MASTER_KEY:-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=}" \
    "$binary" "${args[@]}" >"$out" &
  server_pids+=($!)
  for _ in $(seq 200); do
    if grep -q "listening on" "$out" 2>/dev/null; then break; fi
    sleep 0.05
  done
  endpoints+=("http://$(sed -n 's/^listening on //p' "$out" | head -1)")
}

endpoints=()
if [[ -z "$endpoint" ]]; then
  if [[ -z "$binary" ]]; then
    cargo build --release --locked -p cognate >&2
    target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    binary="$target_dir/release/cognate"
  fi
  if [[ -n "$database_url" ]]; then
    # A schema of its own, dropped at the end: nothing else in the database is touched.
    schema="cognate_bench_$$"
    psql -q "$database_url" -c "CREATE SCHEMA $schema" >&2
    bench_database_url="$database_url"
    sep="?"; [[ "$database_url" == *\?* ]] && sep="&"
    database_url="$database_url${sep}options=-csearch_path%3D$schema"
  fi
  for n in $(seq "$nodes"); do
    start_node "$n"
  done
  endpoint="${endpoints[0]}"
else
  endpoints=("$endpoint")
fi

# Creates the pool, its users (with permanent passwords) and a client at an endpoint,
# signs every user in, and writes `pool client` to $2 and one access token per line to $3.
setup() {
  python3 - "$1" "$users" "$2" "$3" <<'EOF'
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
client = call("CreateUserPoolClient", {"UserPoolId": pool, "ClientName": "wrk",
    "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]})["UserPoolClient"]["ClientId"]
tokens = []
for i in range(users):
    call("AdminCreateUser", {"UserPoolId": pool, "Username": f"user{i}", "MessageAction": "SUPPRESS",
        "UserAttributes": [{"Name": "email", "Value": f"user{i}@example.com"}]})
    call("AdminSetUserPassword", {"UserPoolId": pool, "Username": f"user{i}",
        "Password": "Bench-Passw0rd!", "Permanent": True})
    auth = call("InitiateAuth", {"ClientId": client, "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": {"USERNAME": f"user{i}", "PASSWORD": "Bench-Passw0rd!"}})
    tokens.append(auth["AuthenticationResult"]["AccessToken"])
open(sys.argv[3], "w").write(f"{pool} {client}\n")
open(sys.argv[4], "w").write("\n".join(tokens) + "\n")
EOF
}

# wrk's Lua script for one operation; `{n}` in the body becomes a random user's number
# and `{token}` that user's access token. Signed operations carry an Authorization
# header as an SDK's would (cognate checks it only when given IAM credentials).
lua() {
  local op="$1" body="$2" signed="$3" tokens="$4"
  cat <<EOF
wrk.method = "POST"
wrk.headers["X-Amz-Target"] = "AWSCognitoIdentityProviderService.$op"
wrk.headers["Content-Type"] = "application/x-amz-json-1.1"
EOF
  if [[ "$signed" == yes ]]; then
    echo 'wrk.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00"'
  fi
  cat <<EOF
local tokens = {}
for line in io.lines("$tokens") do tokens[#tokens + 1] = line end
local body = [[$body]]
request = function()
  local n = math.random(0, $users - 1)
  local b = body:gsub("{n}", tostring(n)):gsub("{token}", function() return tokens[n + 1] end)
  return wrk.format(nil, "/", nil, b)
end
EOF
}

# wrk's Lua script creating users: AdminCreateUser, and once it is answered,
# AdminSetUserPassword for that user (on whichever connection asks next). `done` prints
# the users whose password was set.
lua_create() {
  local pool="$1"
  cat <<EOF
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end
local headers = function(op)
  return {
    ["X-Amz-Target"] = "AWSCognitoIdentityProviderService." .. op,
    ["Content-Type"] = "application/x-amz-json-1.1",
    ["Authorization"] = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00",
  }
end
local pending, counter = {}, 0
created = 0
function request()
  local user = table.remove(pending)
  if user then
    return wrk.format("POST", "/", headers("AdminSetUserPassword"),
      '{"UserPoolId":"$pool","Username":"' .. user .. '","Password":"Bench-Passw0rd!","Permanent":true}')
  end
  counter = counter + 1
  local name = "new" .. (os.getenv("WRK_NODE") or "0") .. "t" .. id .. "x" .. counter
  return wrk.format("POST", "/", headers("AdminCreateUser"),
    '{"UserPoolId":"$pool","Username":"' .. name .. '","MessageAction":"SUPPRESS",' ..
    '"UserAttributes":[{"Name":"email","Value":"' .. name .. '@example.com"}]}')
end
function response(status, headers, body)
  if status ~= 200 then return end
  local user = body:match('"Username":"([^"]+)"')
  if user then
    pending[#pending + 1] = user
  else
    created = created + 1
  end
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("created") end
  io.write(string.format("Created: %d in %.3f s\n", total, summary.duration / 1e6))
end
EOF
}

# Parses wrk's output: "rate p50_ms p99_ms non2xx", where rate is requests/s, or users
# created per second for the creation script.
parse() {
  python3 - "$@" <<'EOF'
import re, sys
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)", v)
    if not m:
        sys.exit(f"unreadable latency {v!r} in wrk's output")
    n, unit = float(m.group(1)), m.group(2)
    return n / 1000 if unit == "us" else n * 1000 if unit == "s" else n * 60000 if unit == "m" else n
rate = p50 = p99 = bad = 0.0
files = sys.argv[1:]
for f in files:
    text = open(f).read()
    if "Requests/sec" not in text:
        sys.exit(f"wrk did not finish ({f}):\n{text}")
    created = re.search(r"Created: (\d+) in ([\d.]+) s", text)
    rate += int(created.group(1)) / float(created.group(2)) if created else \
        float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    # Anchored to the line: a "+/- Stdev" column such as "62.50%" ends in "50%" too.
    p50 += ms(re.search(r"^\s*50%\s+(\S+)", text, re.M).group(1)) / len(files)
    p99 = max(p99, ms(re.search(r"^\s*99%\s+(\S+)", text, re.M).group(1)))
    found = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    bad += int(found.group(1)) if found else 0
print(f"{rate:.0f} {p50:.3f} {p99:.3f} {bad:.0f}")
EOF
}

# Runs a script against every URL given at once, the connections split between them:
# "rate p50_ms p99_ms non2xx".
measure() {
  local name="$1" script="$2" conns="$3"
  shift 3
  local per=$(( conns / $# )) threads=2 i=0 outs=()
  if [[ "$per" -lt 2 ]]; then threads=1; per=$(( per < 1 ? 1 : per )); fi
  for url in "$@"; do
    i=$((i + 1))
    WRK_NODE=$i wrk -t"$threads" -c"$per" -d"${seconds}s" --latency -s "$script" "$url" >"$work/$name.$i.txt" &
    outs+=("$work/$name.$i.txt")
  done
  wait
  parse "${outs[@]}"
}

results="$work/results"
: >"$results"
run_against() {
  local label="$1"
  shift
  echo "setting up $label ($users users)" >&2
  setup "$1" "$work/ids" "$work/tokens"
  read -r pool client <"$work/ids"
  local name op body signed conns
  while IFS='|' read -r name op body signed conns; do
    lua "$op" "$body" "$signed" "$work/tokens" >"$work/$op.lua"
    read -r rate p50 p99 bad < <(measure "$op" "$work/$op.lua" "$conns" "$@")
    echo "$label|$name|$rate|$p50|$p99|$bad" >>"$results"
  done <<EOF
AdminGetUser (random user), requests/s|AdminGetUser|{"UserPoolId":"$pool","Username":"user{n}"}|yes|$connections
GetUser (random user), requests/s|GetUser|{"AccessToken":"{token}"}|no|$connections
DescribeUserPool, requests/s|DescribeUserPool|{"UserPoolId":"$pool"}|yes|$connections
ListUsers email = "...", one connection, requests/s|ListUsers|{"UserPoolId":"$pool","Filter":"email = \"user{n}@example.com\""}|yes|1
InitiateAuth USER_PASSWORD_AUTH, sign-ins/s|InitiateAuth|{"ClientId":"$client","AuthFlow":"USER_PASSWORD_AUTH","AuthParameters":{"USERNAME":"user{n}","PASSWORD":"Bench-Passw0rd!"}}|no|$connections
EOF
  lua_create "$pool" >"$work/create.lua"
  read -r rate p50 p99 bad < <(measure create "$work/create.lua" "$connections" "$@")
  echo "$label|users created (AdminCreateUser + AdminSetUserPassword), users/s|$rate|$p50|$p99|$bad" >>"$results"
}

if [[ ${#endpoints[@]} -gt 1 ]]; then
  run_against "cognate, ${#endpoints[@]} nodes" "${endpoints[@]}"
else
  run_against "$endpoint" "$endpoint"
fi
if [[ -n "$compare" ]]; then
  run_against "$compare" "$compare"
fi

echo "# wrk, $connections connections, 2 threads, ${seconds} s per run, $users users"
echo
echo "| endpoint | figure | rate | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|---|"
while IFS='|' read -r url name rate p50 p99 bad; do
  echo "| $url | $name | $rate | $p50 | $p99 | $bad |"
done <"$results"
if [[ -n "$json" ]]; then
  python3 - "$results" "$json" <<'EOF'
import json, sys
rows = [l.rstrip("\n").split("|") for l in open(sys.argv[1]) if l.strip()]
out = [{"endpoint": u, "figure": n, "rate": float(r), "p50_ms": float(a),
        "p99_ms": float(b), "non_2xx": int(e)} for u, n, r, a, b, e in rows]
json.dump(out, open(sys.argv[2], "w"), indent=2)
EOF
fi
