#!/usr/bin/env bash
# Mutation testing of the code where the rules live: does some test fail
# when a rule is broken? Runs cargo-mutants (pinned) over one area at a time,
# in two passes so that it fits a 2-core machine:
#
#   1. each mutant against the tests that exercise its area (fast), then
#   2. each survivor of pass 1 against the whole suite (`cargo test`), so
#      that a mutant is reported missed only if no test at all notices it.
#
# Usage:
#   scripts/mutants.sh [AREA...]            # areas: domain auth accounts service store
#                                           # (default: all; accounts = service/auth.rs, users.rs)
#   scripts/mutants.sh --changed BASE [AREA...]
#                                           # only mutants in lines changed since BASE (for CI)
#   scripts/mutants.sh --shard K/N AREA     # one shard of an area (0-based K), e.g. 0/4
#   scripts/mutants.sh --sample N[:K] [AREA...]
#                                           # every Nth mutant only (a systematic sample),
#                                           # starting at the Kth (default 0; another K is a
#                                           # fresh sample, untouched by tests written for
#                                           # the survivors of the first):
#                                           # an estimate of the score, with its 95% interval,
#                                           # for areas too large to run whole here
#   scripts/mutants.sh --list [AREA...]     # list the mutants, run nothing
#   scripts/mutants.sh --resume [AREA...]   # keep pass 1's results, redo pass 2
#                                           # (after adding tests for its survivors)
#
# Prints, per area, caught / viable and the survivors; exits 2 when any
# mutant survived, 0 otherwise. Results stay in target/mutants/<area>/pass1
# and pass2. Exclusions, each with its reason, are in .cargo/mutants.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

MUTANTS_VERSION=27.1.0
if ! cargo mutants --version 2>/dev/null | grep -qx "cargo-mutants $MUTANTS_VERSION"; then
  echo "installing cargo-mutants $MUTANTS_VERSION" >&2
  cargo install --locked cargo-mutants --version "$MUTANTS_VERSION"
fi

changed=""
shard=""
sample=""
list=false
resume=false
areas=()
while [ $# -gt 0 ]; do
  case "$1" in
    --changed) changed=${2:?--changed needs a base revision}; shift 2 ;;
    --shard) shard=${2:?--shard needs K/N}; shift 2 ;;
    --sample) sample=${2:?--sample needs N or N:K}; shift 2 ;;
    --list) list=true; shift ;;
    --resume) resume=true; shift ;;
    -h|--help) sed -n '2,/^set /{/^set /d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    domain|auth|accounts|service|store) areas+=("$1"); shift ;;
    *) echo "unknown argument: $1" >&2; exit 64 ;;
  esac
done
[ ${#areas[@]} -gt 0 ] || areas=(domain auth accounts service store)

# Files of each area (cargo-mutants -f/-e globs).
files_of() {
  case "$1" in
    domain) echo "-f src/domain/**" ;;
    auth) echo "-f src/auth/**" ;;
    # Use cases of logging in and of accounts: the auth suite.
    accounts) echo "-f src/service/auth.rs -f src/service/users.rs" ;;
    service) echo "-f src/service/** -e src/service/auth.rs -e src/service/users.rs" ;;
    # The SQL of the as-of view, the overdue filter and the summaries.
    store) echo "-f src/store/tasks.rs" ;;
  esac
}

# Pass 1 runs each group of an area's files against the tests of that group
# ("files|arguments", one group per line). It builds only the test targets
# it runs (-C), so a domain mutant costs a library rebuild and the unit
# tests, not the HTTP suite; a service mutant costs the HTTP tests of its
# use case (about 10 s), not those of every use case (about 60 s). A file
# whose tests miss a mutant only makes pass 2 run it: slow, not wrong.
service_tests="service:: tasks:: workflow:: boundaries:: history:: reporting:: foundation::demo"
pass1_groups() {
  case "$1" in
    domain|auth) echo "$(files_of "$1")|-C --lib" ;;
    accounts) echo "$(files_of "$1")|-C --test=api -- -- auth::" ;;
    service)
      local grouped=() line files
      while IFS='|' read -r files line; do
        echo "$files|$line"
        for f in $files; do [ "$f" = -f ] || grouped+=(-e "$f"); done
      done <<EOF_GROUPS
-f src/service/inspections.rs|-C --test=api -- -- inspections::
-f src/service/sheets.rs|-C --test=api -- -- sheets::
-f src/service/reorganisations.rs|-C --test=api -- -- reorganisations::
-f src/service/periods.rs -f src/service/agency_reports.rs -f src/service/indicators.rs -f src/service/period_report.rs|-C --lib -C --test=api -- -- periods::
-f src/service/webhooks.rs -f src/service/notifications.rs -f src/service/fanout.rs|-C --lib -C --test=api -- -- notify::
-f src/service/evidence.rs -f src/service/files.rs|-C --lib -C --test=api -- -- files:: workflow:: queues::
-f src/service/queues.rs|-C --test=api -- -- queues:: pages::
-f src/service/standing.rs|-C --lib -C --test=api -- -- reporting:: boundaries:: periods:: reorganisations::
EOF_GROUPS
      # Everything else (tasks, reports, completion, extensions, audit, plans):
      # the task and workflow suites.
      echo "$(files_of service) ${grouped[*]}|-C --lib -C --test=api -- -- $service_tests notify::"
      ;;
    store) echo "$(files_of "$1")|-C --lib -C --test=api -- -- store:: tasks:: workflow:: boundaries:: history:: foundation::demo" ;;
  esac
}

# Mutants are made in place in one copy of the tree at a fixed path, synced
# from the working tree before each run, and built in one target directory
# kept between runs: only the mutated file's crate is rebuilt, incrementally,
# and no run starts with a full build of a fresh copy (6 minutes here).
tree="$root/target/mutants-tree"
export CARGO_TARGET_DIR="$root/target/mutants-build"
# No debug info, and mold when it is installed: a mutant's build is mostly linking.
export CARGO_PROFILE_DEV_DEBUG=0
if command -v mold >/dev/null; then export RUSTFLAGS="${RUSTFLAGS:-} -C link-arg=-fuse-ld=mold"; fi
common=(--in-place --test-tool cargo --minimum-test-timeout 60)

sync_tree() {
  mkdir -p "$tree"
  local f
  # The working tree as it is now (tracked files and new ones not ignored);
  # an unchanged file keeps its time, so cargo does not rebuild for it. This
  # also undoes a mutation left behind by an interrupted run.
  git ls-files -co --exclude-standard >"$root/target/mutants-files.txt"
  while IFS= read -r f; do
    [ -f "$f" ] || continue
    if ! cmp -s "$f" "$tree/$f"; then
      mkdir -p "$tree/$(dirname "$f")"
      cp -p "$f" "$tree/$f"
    fi
  done <"$root/target/mutants-files.txt"
  # and nothing the working tree no longer has
  (cd "$tree" && find . -type f | sed 's|^\./||' | sort) >"$root/target/mutants-tree-files.txt"
  sort "$root/target/mutants-files.txt" | comm -23 "$root/target/mutants-tree-files.txt" - |
    while IFS= read -r f; do rm -f "$tree/$f"; done
}

diff_file=""
if [ -n "$changed" ]; then
  diff_file="$root/target/mutants/changed.diff"
  mkdir -p "$(dirname "$diff_file")"
  git diff "$changed"...HEAD -- 'src/*.rs' >"$diff_file"
  if [ ! -s "$diff_file" ]; then
    echo "no Rust source changed since $changed: nothing to mutate"
    exit 0
  fi
  common+=(--in-diff "$diff_file")
fi
[ -z "$shard" ] || common+=(--shard "$shard")
# A sample is pass 1's only: pass 2 runs the sample's survivors, whatever their index.
# Round-robin within each group of files: a sample stratified by use case.
pass1_sample=()
sample_every=${sample%%:*}
sample_from=0
[[ $sample != *:* ]] || sample_from=${sample#*:}
[ -z "$sample" ] || pass1_sample=(--shard "$sample_from/$sample_every" --sharding round-robin)

count() { if [ -f "$1" ]; then grep -c . "$1" || true; else echo 0; fi; }

# A survivor's name without its line and column, as a regex: pass 2 finds it
# even if lines moved since pass 1.
# (exactly where it still is; by file, function and description, at any
# line, only where it moved: otherwise another mutant of the same function
# with the same description, outside a sample, would be run and counted)
survivor_patterns() {
  local all=$1 name re
  shift
  cat "$@" 2>/dev/null | while IFS= read -r name; do
    re=$(printf '%s\n' "$name" | sed -E 's/[][\\.^$|?*+(){}]/\\&/g')
    if grep -qxF -e "$name" "$all"; then
      echo "^$re\$"
    else
      printf '%s\n' "$re" | sed -E 's/^([^:]+):[0-9]+:[0-9]+: /^\1:[0-9]+:[0-9]+: /; s/$/$/'
    fi
  done
}

$list || sync_tree
status=0
summary=()
for area in "${areas[@]}"; do
  out="$root/target/mutants/${changed:+changed/}${sample:+sample-${sample/:/-}/}$area"
  mkdir -p "$out"
  read -r -a files <<<"$(files_of "$area")"
  if $list; then
    cargo mutants --list "${files[@]}" ${diff_file:+--in-diff "$diff_file"} | sed "s/^/[$area] /"
    continue
  fi
  started=$(date +%s)
  pass1="$out/pass1/mutants.out"
  pass2="$out/pass2/mutants.out"
  # No stale results: an area with no mutant to test writes none.
  rm -rf "$out/pass2"
  if $resume && [ -f "$out/pass1/done" ]; then
    echo "== $area: pass 1 kept from $(date -r "$out/pass1/done" '+%F %T')"
  else
    rm -rf "$out/pass1"
    mkdir -p "$pass1"
    group=0
    while IFS='|' read -r group_files group_args; do
      group=$((group + 1))
      echo "== $area: pass 1, group $group: $group_files ($group_args)"
      # (words without globbing: the file patterns are cargo-mutants' to expand)
      read -r -a group_file_args <<<"$group_files"
      read -r -a group_test_args <<<"$group_args"
      (cd "$tree" && cargo mutants "${common[@]}" ${pass1_sample[@]+"${pass1_sample[@]}"} \
        "${group_file_args[@]}" --output "$out/pass1/group$group" "${group_test_args[@]}" \
        </dev/null) || true
    done < <(pass1_groups "$area")
    for outcome in caught missed timeout unviable; do
      cat "$out"/pass1/group*/mutants.out/"$outcome.txt" >"$pass1/$outcome.txt" 2>/dev/null || true
    done
    date >"$out/pass1/done"
  fi
  caught=$(count "$pass1/caught.txt")
  missed=$(count "$pass1/missed.txt")
  timeouts=$(count "$pass1/timeout.txt")
  unviable=$(count "$pass1/unviable.txt")
  survivors="$pass1/missed.txt"
  if [ "$missed" -gt 0 ]; then
    # Pass 2 runs the survivors, found by file and description in the tree as
    # it is now, through --iterate: everything else is marked done already.
    # (cargo-mutants' -F/-E filters let struct-field mutants through.)
    # (listed in the tree pass 2 runs in: the working tree may have moved on
    # since this run synced it, and its line numbers with it)
    (cd "$tree" && cargo mutants --list "${files[@]}" ${diff_file:+--in-diff "$diff_file"}) >"$out/all.txt"
    survivor_patterns "$out/all.txt" "$pass1/missed.txt" >"$out/survivors.re"
    mkdir -p "$pass2"
    grep -v -E -f "$out/survivors.re" "$out/all.txt" >"$pass2/caught.txt" || true
    # (in a sample, the mutants outside it are marked done too: only survivors run)
    present=0
    while IFS= read -r re; do
      if grep -q -E -e "$re" "$out/all.txt"; then present=$((present + 1)); fi
    done <"$out/survivors.re"
    echo "== $area: pass 2, the $present survivors still in the tree against the whole suite"
    if [ "$present" -gt 0 ]; then
      (cd "$tree" && cargo mutants "${common[@]}" "${files[@]}" --output "$out/pass2" --iterate \
        --baseline skip --timeout 300 </dev/null) || true
    else
      : >"$pass2/missed.txt"
    fi
    # What pass 2 catches (or hangs on) is caught; what it misses survived.
    missed=$(count "$pass2/missed.txt")
    caught=$((caught + present - missed))
    survivors="$pass2/missed.txt"
  fi
  # A mutant that makes the tests hang is noticed: it counts as caught.
  viable=$((caught + timeouts + missed))
  elapsed=$(( $(date +%s) - started ))
  if [ "$viable" -gt 0 ]; then
    score=$(awk -v c=$((caught + timeouts)) -v v="$viable" 'BEGIN { printf "%.1f%%", 100 * c / v }')
  else
    score="n/a"
  fi
  line="$area: $((caught + timeouts))/$viable caught ($score), $missed missed, $timeouts timed out, $unviable unviable, ${elapsed}s"
  if [ -n "$sample" ] && [ "$viable" -gt 0 ]; then
    # Wilson's 95% interval for the whole area's score, from the sample's
    line+=$(awk -v c=$((caught + timeouts)) -v n="$viable" -v k="$sample_every" 'BEGIN {
      z = 1.96; p = c / n; d = 1 + z * z / n
      m = (p + z * z / (2 * n)) / d; h = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
      printf " [sample: every %dth mutant; area score 95%% within %.1f%%-%.1f%%]", k, 100 * (m - h), 100 * (m + h) }')
  fi
  summary+=("$line")
  echo "== $line"
  if [ "$missed" -gt 0 ]; then
    status=2
    echo "survivors:"
    sed 's/^/  /' "$survivors"
  fi
done

if ! $list; then
  echo
  echo "Mutation score (caught / viable; excluded equivalents are not viable):"
  printf '  %s\n' "${summary[@]}"
fi
exit $status
