#!/usr/bin/env bash
# Obtains the real test servers (MinIO for S3, fake-gcs-server for GCS, moto for the other AWS APIs)
# ONCE, into a per-user cache: the first two built from source with Go, moto installed from PyPI into
# a virtualenv. Prints the executable path(s) on stdout; progress goes to stderr.
#
#   test/servers/obtain.sh minio              → …/servers/minio-<version>/minio
#   test/servers/obtain.sh fake-gcs-server    → …/servers/fake-gcs-server-<version>/fake-gcs-server
#   test/servers/obtain.sh moto               → …/servers/moto-<version>/moto-server
#   test/servers/obtain.sh kafka              → …/servers/kafka-<version>/kafka-java (java -cp the broker's jars)
#   test/servers/obtain.sh all                → every path, one per line
#
# Cache: ${CTXSIEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ctxsiem}/servers. GOPATH, GOMODCACHE and
# GOCACHE live under it too, so a rebuild (e.g. after a version bump) reuses downloaded modules and
# compiled packages. A flock per server makes concurrent callers wait for one build instead of racing.
# Needs Go >= 1.24 on PATH (GOTOOLCHAIN=auto fetches a newer toolchain from the module proxy if a
# module asks for one) and access to the Go module proxy. See test/servers/README.md.
set -euo pipefail

# ---- pinned versions ------------------------------------------------------------------------------
# MinIO publishes non-semver tags (RELEASE.2025-10-15T17-29-55Z) that the module proxy cannot resolve;
# the proxy serves the repository's final commit as a pseudo-version. That commit is
# RELEASE.2025-10-15T17-29-55Z plus the last upstream fixes (incl. "Updates for conditional put read
# quorum issue", #21653) and README changes; upstream is in maintenance mode since then.
MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
FAKE_GCS_MODULE=github.com/fsouza/fake-gcs-server
FAKE_GCS_VERSION=v1.56.1
# moto serves Secrets Manager, IAM, SQS, EventBridge Scheduler, Lambda and CloudWatch on loopback.
# Its dependencies are pinned by moto-constraints.txt beside this script.
MOTO_VERSION=5.2.5
# Apache Kafka (KRaft, SASL_SSL with SCRAM) from Maven Central: kafka-pom.xml beside this script pins it.
KAFKA_VERSION=4.4.0

CACHE="${CTXSIEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ctxsiem}"
SERVERS="$CACHE/servers"

log() { printf 'obtain.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  echo "usage: $0 <minio|fake-gcs-server|moto|kafka|all>" >&2
  exit 2
}

# server name → "module version binary package-in-module"
spec() {
  case "$1" in
    minio) echo "$MINIO_MODULE $MINIO_VERSION minio ." ;;
    fake-gcs-server) echo "$FAKE_GCS_MODULE $FAKE_GCS_VERSION fake-gcs-server ." ;;
    *) return 1 ;;
  esac
}

go_env() {
  export GOPATH="$SERVERS/.go/path"
  export GOMODCACHE="$SERVERS/.go/mod"
  export GOCACHE="$SERVERS/.go/build"
  export GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"
  export CGO_ENABLED=0
  export GOFLAGS="-buildvcs=false"
  # Only the module proxy is assumed reachable: never fall back to cloning repositories.
  export GOPROXY="${GOPROXY:-https://proxy.golang.org}"
}

# Runs "$@" with its output captured in $logfile, printing a heartbeat to stderr meanwhile.
run_with_heartbeat() {
  local logfile="$1" what="$2"
  shift 2
  "$@" >"$logfile" 2>&1 &
  local pid=$! start=$SECONDS next=30
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS - start >= next)) && kill -0 "$pid" 2>/dev/null; then
      log "$what: still building ($((SECONDS - start))s)…"
      next=$((next + 30))
    fi
  done
  wait "$pid"
}

build() {
  local name="$1" module="$2" version="$3" binary="$4" pkg="$5" dir="$6"
  local tmp="$dir.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  local buildlog="$tmp/build.log"
  local started=$SECONDS

  if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; fi
  command -v go >/dev/null 2>&1 || die "Go is not on PATH; install Go >= 1.24 (https://go.dev/dl/) to build $name"
  go_env
  log "$name: building $module@$version (first time only; this can take several minutes)"

  if run_with_heartbeat "$buildlog" "$name" \
    env GOBIN="$tmp" go install -trimpath -ldflags='-s -w' "$module@$version"; then
    :
  elif grep -qE 'replace directives|exclude directives|must not contain directives' "$buildlog"; then
    # go install refuses modules whose go.mod has replace/exclude directives: build from a copy.
    log "$name: go install refused the module (directives in go.mod); building from a module copy"
    local json srcdir
    json="$(go mod download -json "$module@$version")" || {
      cat "$buildlog" >&2
      die "$name: go mod download $module@$version failed"
    }
    srcdir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' | head -n1)"
    [ -n "$srcdir" ] && [ -d "$srcdir" ] || die "$name: no module directory in: $json"
    cp -R "$srcdir" "$tmp/src"
    chmod -R u+w "$tmp/src"
    if ! run_with_heartbeat "$buildlog" "$name" \
      bash -c 'cd "$1" && go build -mod=mod -trimpath -ldflags="-s -w" -o "$2" "$3"' _ \
      "$tmp/src" "$tmp/$binary" "$pkg"; then
      tail -n 40 "$buildlog" >&2
      die "$name: go build of $module@$version failed (log above)"
    fi
    rm -rf "$tmp/src"
  else
    tail -n 40 "$buildlog" >&2
    die "$name: go install $module@$version failed (log above)"
  fi

  [ -x "$tmp/$binary" ] || die "$name: build produced no $binary in $tmp"
  local took=$((SECONDS - started))
  {
    echo "module=$module"
    echo "version=$version"
    echo "built=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "build_seconds=$took"
    echo "go=$(go version)"
  } >"$tmp/BUILD_INFO"
  rm -f "$buildlog"
  rm -rf "$dir"
  mv "$tmp" "$dir" # atomic publish: a present $dir always holds a complete binary
  trap - EXIT
  log "$name: built in ${took}s → $dir/$binary"
}

obtain() {
  local name="$1" module version binary pkg
  read -r module version binary pkg < <(spec "$name") || usage
  local dir="$SERVERS/$name-$version"
  local bin="$dir/$binary"

  if [ -x "$bin" ]; then # fast path: already built
    printf '%s\n' "$bin"
    return 0
  fi

  mkdir -p "$SERVERS"
  local lock="$SERVERS/.$name.lock"
  (
    exec 9>"$lock"
    if ! flock -n 9; then
      log "$name: another process is building it; waiting for its lock ($lock)"
      flock 9
    fi
    if [ -x "$bin" ]; then exit 0; fi # built by whoever held the lock
    build "$name" "$module" "$version" "$binary" "$pkg" "$dir"
  )
  [ -x "$bin" ] || die "$name: $bin is missing after the build"
  printf '%s\n' "$bin"
}

# Installs a server once into $SERVERS/<dir>: the fast path when <bin> exists; otherwise, under a lock,
# `<installer> <tmp>` fills a temporary folder that then replaces <dir> whole (a present <dir> is
# always complete). Prints <bin>.
install_once() {
  local name="$1" dir="$2" bin="$2/$3" installer="$4"
  if [ -x "$bin" ]; then
    printf '%s\n' "$bin"
    return 0
  fi
  mkdir -p "$SERVERS"
  (
    exec 9>"$SERVERS/.$name.lock"
    if ! flock -n 9; then
      log "$name: another process is installing it; waiting for its lock"
      flock 9
    fi
    if [ -x "$bin" ]; then exit 0; fi
    local tmp="$dir.tmp.$$" started=$SECONDS
    rm -rf "$tmp"
    mkdir -p "$tmp"
    trap 'rm -rf "$tmp"' EXIT
    "$installer" "$tmp"
    echo "installed=$(date -u +%Y-%m-%dT%H:%M:%SZ) seconds=$((SECONDS - started))" >>"$tmp/BUILD_INFO"
    rm -rf "$dir"
    mv "$tmp" "$dir"
    trap - EXIT
    log "$name: installed in $((SECONDS - started))s → $bin"
  )
  [ -x "$bin" ] || die "$name: $bin is missing after the install"
  printf '%s\n' "$bin"
}

# moto: a virtualenv with moto[server] at the pinned versions, and a `moto-server` launcher in it.
install_moto() {
  local tmp="$1"
  command -v python3 >/dev/null 2>&1 || die "moto: python3 is not on PATH; install Python >= 3.9"
  log "moto: installing moto[server]==$MOTO_VERSION from PyPI (first time only, about a minute)"
  python3 -m venv "$tmp/venv" || die "moto: python3 -m venv failed"
  if ! run_with_heartbeat "$tmp/install.log" moto \
    "$tmp/venv/bin/pip" install --disable-pip-version-check --no-input \
    -c "$(dirname "${BASH_SOURCE[0]}")/moto-constraints.txt" "moto[server]==$MOTO_VERSION"; then
    tail -n 40 "$tmp/install.log" >&2
    die "moto: pip install failed (log above)"
  fi
  rm -f "$tmp/install.log"
  # The venv's python is a symlink to the system one, so the folder can move; the launcher finds it.
  printf '#!/usr/bin/env bash\nexec "$(dirname "$0")/venv/bin/python" -m moto.server "$@"\n' >"$tmp/moto-server"
  chmod +x "$tmp/moto-server"
  echo "version=$MOTO_VERSION" >"$tmp/BUILD_INFO"
}

# kafka: the broker's jars copied from Maven Central, and a `kafka-java` launcher (java -cp those jars).
install_kafka() {
  local tmp="$1"
  command -v java >/dev/null 2>&1 || die "kafka: java is not on PATH; install Java >= 17"
  command -v mvn >/dev/null 2>&1 || die "kafka: mvn is not on PATH; install Maven"
  log "kafka: copying kafka_2.13:$KAFKA_VERSION and its dependencies from Maven Central (first time only)"
  if ! run_with_heartbeat "$tmp/mvn.log" kafka \
    mvn -q -B -f "$(dirname "${BASH_SOURCE[0]}")/kafka-pom.xml" -Dmaven.repo.local="$SERVERS/.m2" \
    dependency:copy-dependencies -DoutputDirectory="$tmp/libs" -DincludeScope=runtime; then
    tail -n 40 "$tmp/mvn.log" >&2
    die "kafka: mvn dependency:copy-dependencies failed (log above)"
  fi
  rm -f "$tmp/mvn.log"
  printf '#!/usr/bin/env bash\nexec java ${KAFKA_JVM_OPTS:--Xms256m -Xmx512m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC} -cp "$(dirname "$0")/libs/*" "$@"\n' >"$tmp/kafka-java"
  chmod +x "$tmp/kafka-java"
  echo "version=$KAFKA_VERSION" >"$tmp/BUILD_INFO"
}

obtain_moto() { install_once moto "$SERVERS/moto-$MOTO_VERSION" moto-server install_moto; }
obtain_kafka() { install_once kafka "$SERVERS/kafka-$KAFKA_VERSION" kafka-java install_kafka; }

[ $# -eq 1 ] || usage
case "$1" in
  all)
    obtain minio
    obtain fake-gcs-server
    obtain_moto
    obtain_kafka
    ;;
  minio | fake-gcs-server) obtain "$1" ;;
  moto) obtain_moto ;;
  kafka) obtain_kafka ;;
  -h | --help) usage ;;
  *) usage ;;
esac
