#!/usr/bin/env bash
# `make test` on a loaded machine: `stress-ng --cpu N` (default 2) runs beside it, in a fresh clone of
# this checkout's HEAD (commit first: uncommitted work is not tested). No test may depend on the
# machine's speed; this is how that is checked. Prints the suite's "N passed, N failed" line last and
# exits with the suite's status.
#
# stress-ng comes from Debian's package, unpacked into the cache without root: `apt-get download` of
# the package and those of its dependencies that are not installed (or, when apt cannot download, the
# same .deb files from the URIs apt prints), then `dpkg-deb -x`. An installed stress-ng is used as is.
#
#   scripts/stress-test.sh            # or: make test-under-load
#   STRESS_CPUS=4 scripts/stress-test.sh
#   KEEP_CLONE=1 scripts/stress-test.sh   # keeps the clone and its log for a look afterwards
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/ctxsiem/stress-ng"
cpus="${STRESS_CPUS:-2}"
unpacked="$cache/root"
libs="$unpacked/usr/lib/x86_64-linux-gnu:$unpacked/lib/x86_64-linux-gnu"

# The cached stress-ng with its libraries: `env` execs it, so `$!` of a background start is stress-ng
# itself (a shell function would leave its subshell's pid, and stress-ng running after the kill).
cached_stress_ng=(env "LD_LIBRARY_PATH=$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$unpacked/usr/bin/stress-ng")

obtain_stress_ng() {
  if command -v stress-ng >/dev/null && stress-ng --version >/dev/null 2>&1; then
    stress=(stress-ng)
    return
  fi
  stress=("${cached_stress_ng[@]}")
  if [ -x "$unpacked/usr/bin/stress-ng" ] && "${stress[@]}" --version >/dev/null 2>&1; then return; fi
  echo "stress-ng: downloading Debian's package into $cache" >&2
  mkdir -p "$cache"
  # The package, and each dependency this machine lacks.
  local packages=(stress-ng) dependency
  while read -r dependency; do
    dpkg-query -W -f='${Status}' "$dependency" 2>/dev/null | grep -q 'install ok installed' ||
      packages+=("$dependency")
  done < <(apt-cache depends stress-ng | awk '$1 == "Depends:" && $2 !~ /^</ { print $2 }' | sort -u)
  (
    cd "$cache"
    if ! apt-get download "${packages[@]}" >&2 2>/dev/null; then
      # apt could not fetch them itself: the same files from the mirror it names.
      apt-get download --print-uris "${packages[@]}" | awk '{ gsub(/\x27/, "", $1); print $1 }' |
        while read -r uri; do curl -fsSLO "$uri"; done
    fi
    for deb in ./*.deb; do dpkg-deb -x "$deb" "$unpacked"; done
  )
  if ! "${stress[@]}" --version >/dev/null 2>&1; then
    echo "stress-ng does not run; libraries it still lacks:" >&2
    LD_LIBRARY_PATH="$libs" ldd "$unpacked/usr/bin/stress-ng" | grep 'not found' >&2 || true
    exit 1
  fi
}

obtain_stress_ng
echo "stress-ng: $("${stress[@]}" --version)" >&2

clone="$(mktemp -d -t ctxsiem-load-XXXXXX)"
log="$clone.log"
git clone -q "$root" "$clone"
echo "make test in $clone ($(git -C "$clone" log -1 --format='%h %s' | cut -c1-72)), stress-ng --cpu $cpus beside it; log: $log" >&2

"${stress[@]}" --cpu "$cpus" --quiet &
stress_pid=$!
stop_stress() { # stress-ng ends its workers when it is told to end
  kill "$stress_pid" 2>/dev/null || true
  wait "$stress_pid" 2>/dev/null || true
}
trap stop_stress EXIT

started=$SECONDS
set +e
(cd "$clone" && make test) >"$log" 2>&1
status=$?
set -e
stop_stress
trap - EXIT

echo "make test under stress-ng --cpu $cpus: exit $status after $(((SECONDS - started) / 60)) min" >&2
# What failed: the suite's own list near the end of its log (scripts/failed-tests.ts), and failed checks.
if [ "$status" -ne 0 ]; then
  sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -A3 -E '^(FAILED |== .* FAILED)' | tail -60 >&2 || true
fi
summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -1 || true)"
if [ -z "${KEEP_CLONE:-}" ] && [ "$status" -eq 0 ]; then rm -rf "$clone" "$log"; else echo "kept: $clone, $log" >&2; fi
echo "${summary:-no summary line (see the log)}"
exit "$status"
