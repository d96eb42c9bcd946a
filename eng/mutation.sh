#!/usr/bin/env bash
# Mutation testing with Stryker.NET (local tool, .config/dotnet-tools.json), one library at a time, each with the test
# project that covers it. Configuration lives in eng/stryker/<library>.json (files to mutate, ignored methods such as
# exception constructors whose arguments are message text); this script only picks the library, the output folder and
# the fast-mode options. Reports: artifacts/mutation/<library>/reports/mutation-report.{html,json}; log:
# artifacts/mutation/<library>.log. Prints one line per library: "mutation score <library>: NN.N % (...)".
#
#   eng/mutation.sh                      Core and Selection (the plaintext files)
#   eng/mutation.sh core protocols       the libraries named (core, selection, protocols, replicated -- the second
#                                        engine's ReplicatedBlackBox*.cs with the engine tests of Protocols,
#                                        verification -- Selection's Verification/*.cs with its verification tests,
#                                        records -- Selection's Records/*.cs, Design 2's join, with the Records tests)
#   eng/mutation.sh --since [REF]        only files changed since REF (default: HEAD~1) -- Stryker's --since
#   eng/mutation.sh --file GLOB core     only files matching GLOB, e.g. '**/AesCtrPrg.cs' (repeat for several)
#   eng/mutation.sh --break-at N ...     exit non-zero when a library scores below N %
#   eng/mutation.sh --tag NAME ...       write to artifacts/mutation/<library>-NAME (keeps per-file runs apart)
#   eng/mutation.sh --tests FILTER ...   run only the tests matching a VSTest filter (replaces the config's
#                                        test-case-filter; a fast mode whose score is a lower bound)
#   eng/mutation.sh --concurrency N ...  test N mutants at once (default 1, for a shared build machine; on an idle
#                                        machine use its core count)
#
# See docs/testing.md for run times.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

since=""
files=()
break_at=0
tag=""
tests=""
concurrency=1
libs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --since)
      if [ $# -gt 1 ] && [[ "$2" != -* ]] && ! [[ "$2" =~ ^(core|selection|protocols|replicated|verification|records)$ ]]; then since="$2"; shift; else since="HEAD~1"; fi ;;
    --since=*) since="${1#--since=}" ;;
    --file) files+=("$2"); shift ;;
    --file=*) files+=("${1#--file=}") ;;
    --break-at) break_at="$2"; shift ;;
    --break-at=*) break_at="${1#--break-at=}" ;;
    --tag) tag="$2"; shift ;;
    --tag=*) tag="${1#--tag=}" ;;
    --tests) tests="$2"; shift ;;
    --tests=*) tests="${1#--tests=}" ;;
    --concurrency) concurrency="$2"; shift ;;
    --concurrency=*) concurrency="${1#--concurrency=}" ;;
    core|selection|protocols|replicated|verification|records) libs+=("$1") ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ ${#libs[@]} -eq 0 ] && libs=(core selection)
if ! [[ "$concurrency" =~ ^[1-9][0-9]?$ ]]; then
  echo "--concurrency: expected a whole number from 1 to 99 (got '$concurrency')" >&2; exit 2
fi

test_project() {
  case "$1" in
    core) echo tests/MpcSortition.Core.Tests ;;
    selection|verification|records) echo tests/MpcSortition.Selection.Tests ;;
    protocols|replicated) echo tests/MpcSortition.Protocols.Tests ;;
  esac
}

dotnet tool restore >/dev/null || { echo "dotnet tool restore failed" >&2; exit 1; }

status=0
summary=()
for lib in "${libs[@]}"; do
  name="$lib${tag:+-$tag}"
  out="$root/artifacts/mutation/$name"
  log="$root/artifacts/mutation/$name.log"
  rm -rf "$out"
  mkdir -p "$out"
  config="$root/eng/stryker/$lib.json"
  if [ -n "$tests" ]; then
    config="$out/stryker-config.json"
    jq --arg f "$tests" '."stryker-config"."test-case-filter" = $f' "$root/eng/stryker/$lib.json" >"$config"
  fi
  args=(-f "$config" -O "$out" --skip-version-check --concurrency "$concurrency")
  # Stryker resolves only branch names, tags and full commit ids, not HEAD~1: pass the commit id.
  if [ -n "$since" ]; then
    sha=$(git rev-parse --verify --quiet "$since^{commit}") || { echo "--since: no commit '$since'" >&2; exit 2; }
    args+=("--since:$sha")
  fi
  for f in "${files[@]}"; do args+=(-m "$f"); done
  echo "== mutation testing: $lib ($(test_project "$lib")) -> $out"
  start=$(date +%s)
  (cd "$(test_project "$lib")" && dotnet tool run dotnet-stryker -- "${args[@]}") >"$log" 2>&1
  rc=$?
  seconds=$(( $(date +%s) - start ))
  report=$(find "$out" -name mutation-report.json 2>/dev/null | head -n 1)
  if [ $rc -ne 0 ] || [ -z "$report" ]; then
    if grep -q "No mutants to test\|no mutants" "$log" 2>/dev/null; then
      summary+=("mutation score $lib: no mutants in scope (${seconds}s)")
      continue
    fi
    echo "stryker failed for $lib (exit $rc); last lines of $log:"
    tail -n 20 "$log"
    summary+=("mutation score $lib: FAILED (${seconds}s)")
    status=1
    continue
  fi
  # Score = (killed + timeout) / (killed + timeout + survived + no coverage), as Stryker computes it.
  line=$(jq -r '
    [.files[].mutants[].status] as $s
    | ($s | map(select(. == "Killed")) | length) as $k
    | ($s | map(select(. == "Timeout")) | length) as $t
    | ($s | map(select(. == "Survived")) | length) as $sv
    | ($s | map(select(. == "NoCoverage")) | length) as $nc
    | ($k + $t + $sv + $nc) as $d
    | "\(if $d == 0 then "n/a" else ((($k + $t) * 1000 / $d | floor) / 10 | tostring) + " %" end) (killed \($k), timeout \($t), survived \($sv), no coverage \($nc))"' "$report")
  summary+=("mutation score $name: $line, ${seconds}s")
  jq -r '.files | to_entries[] | .key as $f | .value.mutants[] | select(.status == "Survived" or .status == "NoCoverage")
    | "  \(.status) \($f | sub(".*/MpcSortition\\.[A-Za-z]+/"; "")):\(.location.start.line) \(.mutatorName): \(.replacement // "" | gsub("\n"; " ") | .[0:80])"' "$report" >"$out/survivors.txt"
  score=$(sed -n 's/^\([0-9.]*\) %.*/\1/p' <<<"$line")
  if [ -n "$score" ] && [ "$break_at" != "0" ] && awk "BEGIN{exit !($score < $break_at)}"; then status=1; fi
done

printf '%s\n' "${summary[@]}"
for lib in "${libs[@]}"; do
  name="$lib${tag:+-$tag}"
  [ -s "$root/artifacts/mutation/$name/survivors.txt" ] && echo "survivors ($name): artifacts/mutation/$name/survivors.txt"
done
exit $status
