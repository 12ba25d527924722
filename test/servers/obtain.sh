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
# and a non-JS Kafka client (not in `all`; the sentinel source's codec test obtains it):
#   test/servers/obtain.sh confluent-kafka    → …/servers/confluent-kafka-<version>/python (a venv's python
#                                               with confluent-kafka, i.e. librdkafka, installed)
# and the tools that verify terraform/ offline (not in `all`; the Terraform tests obtain them):
#   test/servers/obtain.sh tofu               → …/servers/tofu-<version>/tofu (OpenTofu, terraform-compatible)
#   test/servers/obtain.sh azurerm            → …/servers/terraform-mirror (a provider filesystem mirror
#                                               holding hashicorp/azurerm, built from source)
#   test/servers/obtain.sh checkov            → …/servers/checkov-<version>/checkov
#   test/servers/obtain.sh parliament         → …/servers/parliament-<version>/parliament (AWS IAM policy linter)
#   test/servers/obtain.sh terraform          → the four, one per line
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
# OpenTofu: a terraform-compatible CLI the module proxy serves (terraform itself does not build from it).
# 1.12: write-only attributes (the Azure stack's placeholder secrets, `value_wo`) need OpenTofu 1.11 or
# Terraform 1.11; the proxy serves v1.10.x and v1.12.6, whose go.mod has replace directives (built from
# a module copy, below).
TOFU_MODULE=github.com/opentofu/opentofu
TOFU_VERSION=v1.12.6
# The azurerm provider: the proxy serves main-branch pseudo-versions only; this one is main after the
# v5.2.0 release (the v5 schema). The mirror files it as 5.2.1, a plain version constraints can match.
AZURERM_MODULE=github.com/hashicorp/terraform-provider-azurerm
AZURERM_VERSION=v1.44.1-0.20260824201233-fae580791926
AZURERM_MIRROR_VERSION=5.2.1
# checkov scans the synthesized stacks; its dependencies are pinned by checkov-constraints.txt.
CHECKOV_VERSION=3.3.30
# parliament lints the AWS stacks' IAM policy documents; its dependencies are pinned by
# parliament-constraints.txt.
PARLIAMENT_VERSION=1.6.4
# confluent-kafka (Python, librdkafka inside its wheel, every codec built in): a producer that is not
# the JS client, for the sentinel source's compression tests; pinned by confluent-kafka-constraints.txt.
CONFLUENT_KAFKA_VERSION=2.16.1

CACHE="${CTXSIEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ctxsiem}"
SERVERS="$CACHE/servers"

log() { printf 'obtain.sh: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  echo "usage: $0 <minio|fake-gcs-server|moto|kafka|all|tofu|azurerm|checkov|parliament|terraform|confluent-kafka>" >&2
  exit 2
}

# name → "module version binary package-in-module module-cache", module-cache `shared` (kept under
# $SERVERS/.go for later builds) or `scratch` (deleted after the build: azurerm's modules and build
# cache take ~11 GB, for a binary built once per machine).
spec() {
  case "$1" in
    minio) echo "$MINIO_MODULE $MINIO_VERSION minio . shared" ;;
    fake-gcs-server) echo "$FAKE_GCS_MODULE $FAKE_GCS_VERSION fake-gcs-server . shared" ;;
    tofu) echo "$TOFU_MODULE $TOFU_VERSION tofu ./cmd/tofu shared" ;;
    azurerm) echo "$AZURERM_MODULE $AZURERM_VERSION terraform-provider-azurerm . scratch" ;;
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
  local name="$1" module="$2" version="$3" binary="$4" pkg="$5" cache="$6" dir="$7"
  local tmp="$dir.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
  local buildlog="$tmp/build.log"
  local started=$SECONDS

  if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then PATH="$PATH:/usr/local/go/bin"; fi
  command -v go >/dev/null 2>&1 || die "Go is not on PATH; install Go >= 1.24 (https://go.dev/dl/) to build $name"
  go_env
  if [ "$cache" = scratch ]; then
    export GOMODCACHE="$tmp/.go/mod" GOCACHE="$tmp/.go/build"
  fi
  local target="$module"
  [ "$pkg" = . ] || target="$module/${pkg#./}"
  log "$name: building $target@$version (first time only; this can take several minutes)"

  if run_with_heartbeat "$buildlog" "$name" \
    env GOBIN="$tmp" go install -trimpath -ldflags='-s -w' "$target@$version"; then
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
  if [ -d "$tmp/.go" ]; then # the scratch module cache is read-only, as Go leaves it
    chmod -R u+w "$tmp/.go"
    rm -rf "$tmp/.go"
  fi
  rm -rf "$dir"
  mv "$tmp" "$dir" # atomic publish: a present $dir always holds a complete binary
  trap - EXIT
  log "$name: built in ${took}s → $dir/$binary"
}

obtain() {
  local name="$1" module version binary pkg cache
  read -r module version binary pkg cache < <(spec "$name") || usage
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
    build "$name" "$module" "$version" "$binary" "$pkg" "$cache" "$dir"
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

# A virtualenv in <tmp>/venv with <requirement> installed under <constraints> (beside this script), and
# a launcher <tmp>/<launcher> running `python -m <module>` in it. The venv's python is a symlink to the
# system one, so the folder can move into place; the launcher finds it relative to itself.
install_venv() {
  local name="$1" tmp="$2" requirement="$3" constraints="$4" launcher="$5" module="$6" version="$7"
  command -v python3 >/dev/null 2>&1 || die "$name: python3 is not on PATH; install Python >= 3.9"
  log "$name: installing $requirement from PyPI (first time only, about a minute)"
  python3 -m venv "$tmp/venv" || die "$name: python3 -m venv failed"
  if ! run_with_heartbeat "$tmp/install.log" "$name" \
    "$tmp/venv/bin/pip" install --disable-pip-version-check --no-input \
    -c "$(dirname "${BASH_SOURCE[0]}")/$constraints" "$requirement"; then
    tail -n 40 "$tmp/install.log" >&2
    die "$name: pip install failed (log above)"
  fi
  rm -f "$tmp/install.log"
  printf '#!/usr/bin/env bash\nexec "$(dirname "$0")/venv/bin/python" -m %s "$@"\n' "$module" >"$tmp/$launcher"
  chmod +x "$tmp/$launcher"
  echo "version=$version" >"$tmp/BUILD_INFO"
}

# moto: moto[server] at the pinned versions, and a `moto-server` launcher.
install_moto() {
  install_venv moto "$1" "moto[server]==$MOTO_VERSION" moto-constraints.txt moto-server moto.server "$MOTO_VERSION"
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

# checkov at the pinned versions, and a `checkov` launcher.
install_checkov() {
  install_venv checkov "$1" "checkov==$CHECKOV_VERSION" checkov-constraints.txt checkov checkov.main "$CHECKOV_VERSION"
}

# parliament at the pinned versions, and a `parliament` launcher.
install_parliament() {
  install_venv parliament "$1" "parliament==$PARLIAMENT_VERSION" parliament-constraints.txt parliament parliament.cli "$PARLIAMENT_VERSION"
}

# confluent-kafka at the pinned versions, and a `python` launcher (the venv's python: scripts run with it
# import confluent_kafka).
install_confluent_kafka() {
  install_venv confluent-kafka "$1" "confluent-kafka==$CONFLUENT_KAFKA_VERSION" confluent-kafka-constraints.txt \
    python-module confluent_kafka "$CONFLUENT_KAFKA_VERSION"
  rm -f "$1/python-module"
  printf '#!/usr/bin/env bash\nexec "$(dirname "$0")/venv/bin/python" "$@"\n' >"$1/python"
  chmod +x "$1/python"
}

# The provider filesystem mirror `tofu init` installs from with no network: azurerm under
# registry.terraform.io (what a stack's `hashicorp/azurerm` means to terraform) and, hard-linked,
# registry.opentofu.org (what it means to OpenTofu, which does not follow a symlinked folder).
install_mirror() {
  local tmp="$1" provider
  provider="$(obtain azurerm)"
  local name="terraform-provider-azurerm_v$AZURERM_MIRROR_VERSION"
  for registry in registry.terraform.io registry.opentofu.org; do
    local folder="$tmp/$registry/hashicorp/azurerm/$AZURERM_MIRROR_VERSION/linux_amd64"
    mkdir -p "$folder"
    ln "$provider" "$folder/$name" 2>/dev/null || cp "$provider" "$folder/$name"
  done
  printf 'azurerm=%s (%s)\n' "$AZURERM_MIRROR_VERSION" "$AZURERM_VERSION" >"$tmp/BUILD_INFO"
  touch "$tmp/.complete"
  chmod +x "$tmp/.complete"
}

obtain_moto() { install_once moto "$SERVERS/moto-$MOTO_VERSION" moto-server install_moto; }
obtain_checkov() { install_once checkov "$SERVERS/checkov-$CHECKOV_VERSION" checkov install_checkov; }
obtain_parliament() {
  install_once parliament "$SERVERS/parliament-$PARLIAMENT_VERSION" parliament install_parliament
}
obtain_confluent_kafka() {
  install_once confluent-kafka "$SERVERS/confluent-kafka-$CONFLUENT_KAFKA_VERSION" python install_confluent_kafka
}
obtain_mirror() {
  install_once terraform-mirror "$SERVERS/terraform-mirror-$AZURERM_MIRROR_VERSION" .complete install_mirror >/dev/null
  printf '%s\n' "$SERVERS/terraform-mirror-$AZURERM_MIRROR_VERSION"
}
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
  tofu) obtain tofu ;;
  azurerm) obtain_mirror ;;
  checkov) obtain_checkov ;;
  parliament) obtain_parliament ;;
  confluent-kafka) obtain_confluent_kafka ;;
  terraform)
    obtain tofu
    obtain_mirror
    obtain_checkov
    obtain_parliament
    ;;
  -h | --help) usage ;;
  *) usage ;;
esac
