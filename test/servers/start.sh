#!/usr/bin/env bash
# Starts a real test server in the foreground on loopback (Ctrl-C stops it), for poking at by hand.
#
#   test/servers/start.sh minio [port]             → S3 API at http://127.0.0.1:<port>
#   test/servers/start.sh fake-gcs-server [port]   → GCS API at http://127.0.0.1:<port>
#
# Without a port a free one is chosen. Data lives in a temp dir that is removed on exit
# (set CTXSIEM_SERVER_DATA=/some/dir to keep it). Builds the server first if needed (obtain.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
usage() {
  echo "usage: $0 <minio|fake-gcs-server> [port]" >&2
  exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] || usage
name="$1"
case "$name" in minio | fake-gcs-server) ;; *) usage ;; esac

bin="$("$here/obtain.sh" "$name")"

port="${2:-}"
if [ -z "$port" ]; then
  # Bind port 0 on loopback, read the port the kernel chose, release it.
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null ||
    node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
fi
endpoint="http://127.0.0.1:$port"

scratch="$(mktemp -d "${TMPDIR:-/tmp}/ctxsiem-$name-XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
data="${CTXSIEM_SERVER_DATA:-$scratch/data}"
mkdir -p "$data"

case "$name" in
  minio)
    export MINIO_ROOT_USER="${MINIO_ROOT_USER:-ctxsiem-test}"
    export MINIO_ROOT_PASSWORD="${MINIO_ROOT_PASSWORD:-ctxsiem-test-secret}"
    export MINIO_REGION="${MINIO_REGION:-us-east-1}"
    export MINIO_BROWSER=off MINIO_UPDATE=off MINIO_CALLHOME_ENABLE=off MINIO_CI_CD=1
    cat >&2 <<EOF
MinIO ($bin)
  endpoint:          $endpoint   (use path-style addressing)
  access key id:     $MINIO_ROOT_USER
  secret access key: $MINIO_ROOT_PASSWORD
  region:            $MINIO_REGION
  data:              $data
  e.g. AWS_ACCESS_KEY_ID=$MINIO_ROOT_USER AWS_SECRET_ACCESS_KEY=$MINIO_ROOT_PASSWORD aws --endpoint-url $endpoint s3 mb s3://demo
EOF
    echo "$endpoint"
    "$bin" server "$data" --address "127.0.0.1:$port" --certs-dir "$scratch/certs" --anonymous &
    ;;
  fake-gcs-server)
    cat >&2 <<EOF
fake-gcs-server ($bin)
  endpoint: $endpoint   (e.g. curl $endpoint/storage/v1/b)
  data:     $data (filesystem backend)
  e.g. new Storage({ apiEndpoint: '$endpoint', projectId: 'test' })
EOF
    echo "$endpoint"
    "$bin" -scheme http -host 127.0.0.1 -port "$port" -external-url "$endpoint" \
      -backend filesystem -filesystem-root "$data" -data "$scratch/seed" &
    ;;
esac
server=$!
trap 'kill -TERM "$server" 2>/dev/null' INT TERM
status=0
while kill -0 "$server" 2>/dev/null; do wait "$server" || status=$?; done
exit "$status"
