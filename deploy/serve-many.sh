#!/bin/sh
# K dashboard processes over one read-only warehouse file, behind nginx:
#
#   UNION_DASH_DB=data/warehouse.duckdb deploy/serve-many.sh 2
#
# Each process is `streamlit run dashboard.py` on 127.0.0.1:BASE_PORT+i (8601, 8602, ...);
# nginx (deploy/nginx-union-dashboard.conf) listens on LISTEN (127.0.0.1:8500) and keeps each
# browser on one process. Runs in the foreground; Ctrl-C or SIGTERM stops all of them.
# More processes than cores gain nothing: a page run is CPU work (Python and DuckDB).
#
# Settings (environment): UNION_DASH_DB, PYTHON (.venv/bin/python), BASE_PORT (8601),
# LISTEN (127.0.0.1:8500), RUN_DIR (/tmp/union-dashboard: nginx config, logs, pids), NGINX.
set -eu

K=${1:?usage: deploy/serve-many.sh K   (K dashboard processes, e.g. the number of cores)}
DB=$(realpath "${UNION_DASH_DB:-data/warehouse.duckdb}")
RUN_DIR=$(realpath -m "${RUN_DIR:-/tmp/union-dashboard}")
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}  # sbin: not on a user's PATH
BASE_PORT=${BASE_PORT:-8601}
LISTEN=${LISTEN:-127.0.0.1:8500}

[ -f "$DB" ] || { echo "warehouse not found: $DB" >&2; exit 2; }
[ -x "$NGINX" ] || { echo "nginx not found (apt-get install nginx)" >&2; exit 2; }

# The dashboards listen on loopback, so by themselves they would treat every visitor as the
# local staff user. Beyond loopback, nginx may only be opened with a user file (logins) in place.
case "$LISTEN" in
  127.*|localhost:*|"[::1]:"*) ;;
  *) AUTH=$("$PYTHON" -c 'from ui.auth import config_path; print(config_path())')
     [ -f "$AUTH" ] || { echo "LISTEN=$LISTEN is beyond this machine: create users first" \
                              "(python -m ui.auth add-user ...; expected $AUTH)" >&2; exit 2; } ;;
esac

mkdir -p "$RUN_DIR/tmp"
PIDS=
stop() {
  trap - INT TERM EXIT
  [ -f "$RUN_DIR/nginx.pid" ] && kill "$(cat "$RUN_DIR/nginx.pid")" 2>/dev/null || true
  for pid in $PIDS; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

: > "$RUN_DIR/upstream.conf"
i=0
while [ "$i" -lt "$K" ]; do
  port=$((BASE_PORT + i))
  # fileWatcherType none: a server does not reload on edits (nor watch the source tree)
  UNION_DASH_DB="$DB" "$PYTHON" -m streamlit run dashboard.py \
    --server.address 127.0.0.1 --server.port "$port" --server.headless true \
    --server.fileWatcherType none --browser.gatherUsageStats false \
    > "$RUN_DIR/dashboard-$port.log" 2>&1 &
  echo $! > "$RUN_DIR/dashboard-$port.pid"
  PIDS="$PIDS $!"
  echo "server 127.0.0.1:$port;" >> "$RUN_DIR/upstream.conf"
  i=$((i + 1))
done
echo "listen $LISTEN;" > "$RUN_DIR/listen.conf"
# Streamlit's scripts and styles (hashed names, so cached for good) straight from its package
STATIC=$("$PYTHON" -c 'import os, streamlit; print(os.path.dirname(streamlit.__file__))')/static
cat > "$RUN_DIR/static.conf" <<CONF
location /static/ {
    alias $STATIC/static/;
    types { application/javascript js; text/css css; font/woff2 woff2; image/png png;
            image/gif gif; image/svg+xml svg; }
    add_header Cache-Control "public, immutable, max-age=31536000";
}
CONF
cp deploy/nginx-union-dashboard.conf "$RUN_DIR/nginx.conf"

# nginx starts once every process answers its health check
"$PYTHON" - "$BASE_PORT" "$K" <<'EOF'
import sys, time, urllib.request
base, k = int(sys.argv[1]), int(sys.argv[2])
for port in range(base, base + k):
    for _ in range(240):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.5)
    else:
        sys.exit(f"dashboard on port {port} did not start (see its log in the run directory)")
EOF
"$NGINX" -p "$RUN_DIR" -e "$RUN_DIR/error.log" -c "$RUN_DIR/nginx.conf" -g "daemon off;" &
PIDS="$PIDS $!"
echo "serving $DB: http://$LISTEN/ -> $K processes from port $BASE_PORT (logs in $RUN_DIR)"
wait
