#!/usr/bin/env bash
# Throughput of `bootrules check` against ripgrep and GNU grep searching the same patterns, and
# against what an engineer would grep for instead: ripgrep with 50 strings (stage banners and
# well-known failure lines, bench/grep-patterns.txt, or ../shared/bench's when present).
#
# Builds a corpus of about 1 GB from the real lab logs (many files with many sessions, some
# gzipped, and one single 1 GB file), then times, in this run (the median of BENCH_RUNS runs of
# each, default 5, with the page cache warm), bootrules (all cores),
# ripgrep (all cores) and GNU grep on the multi-file corpus, and bootrules on the single file,
# with /usr/bin/time -v for wall time and peak memory. Prints a table with ratios.
#
#   bench/run.sh [SIZE_MB] [TIMEOUT_S]     defaults: 1024 MB, 600 s per baseline run
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1024}
limit=${2:-600}
work=${BENCH_DIR:-target/bench}
mkdir -p "$work"

if ! command -v rg >/dev/null; then
  echo "installing ripgrep" >&2
  (apt-get install -y -qq ripgrep >/dev/null 2>&1 || cargo install -q ripgrep) >&2
fi
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

cargo build --release -q
bin=target/release/bootrules
"$bin" rules list --patterns > "$work/patterns.txt"
sed 's/.*/(?:&)/' "$work/patterns.txt" | paste -sd'|' > "$work/patterns-alternation.txt"
grep50=bench/grep-patterns.txt
[ -f ../shared/bench/grep-patterns.txt ] && grep50=../shared/bench/grep-patterns.txt

python3 - "$work" "$size_mb" <<'PY'
import glob, gzip, os, sys
work, size = sys.argv[1], int(sys.argv[2]) << 20
logs = [open(f, "rb").read() for f in sorted(glob.glob("tests/fixtures/lab/logs/*.log"))]
corpus = os.path.join(work, "corpus")
if not os.path.exists(corpus + ".done"):
    os.makedirs(corpus, exist_ok=True)
    written, i = 0, 0
    while written < size:
        # a ticket: a few boots of one VM in one file, like a cloud serial log
        data = b"".join(logs[(i + k) % len(logs)] for k in range(1 + i % 4))
        folder = os.path.join(corpus, f"t{i // 200:03d}")
        os.makedirs(folder, exist_ok=True)
        name = os.path.join(folder, f"serial-{i}.log")
        if i % 10 == 9:
            open(name + ".gz", "wb").write(gzip.compress(data, 1))
        else:
            open(name, "wb").write(data)
        written += len(data)
        i += 1
    open(corpus + ".done", "w").write(str(i))
single = os.path.join(work, "single.log")
if not os.path.exists(single) or os.path.getsize(single) < size:
    with open(single, "wb") as out:
        written, i = 0, 0
        while written < size:
            data = logs[i % len(logs)]
            out.write(data)
            written += len(data)
            i += 1
PY

corpus="$work/corpus"
files=$(find "$corpus" -type f | wc -l)
bytes=$(du -sb "$corpus" | cut -f1)

# Sample for baselines too slow to finish: every sixteenth folder of the corpus.
sample=()
for dir in "$corpus"/t*; do
  n=${dir##*/t}
  (( 10#$n % 16 == 0 )) && sample+=("$dir")
done
sample_bytes=$(du -scb "${sample[@]}" | tail -1 | cut -f1)

# command NAME PATH...: sets cmd to the command line of run NAME over the given paths
command_for() {
  local name=$1; shift
  case $name in
    bootrules | bootrules-single) cmd=("$bin" check --format jsonl --no-progress "$@") ;;
    bootrules-1-job) cmd=("$bin" check --format jsonl --no-progress --jobs 1 "$@") ;;
    ripgrep) cmd=(rg -c -z -f "$work/patterns.txt" "$@") ;;
    # what an engineer greps for instead of running the pack: 50 strings
    ripgrep-50) cmd=(rg -c -z -f "$grep50" "$@") ;;
    # ripgrep's PCRE2 engine handles this many alternatives better than its default one
    ripgrep-pcre2) cmd=(rg -c -z -P -f "$work/patterns.txt" "$@") ;;
    # GNU grep -P takes one pattern: the alternation of all of them, each in its own group so
    # an inline flag stays with its pattern (PCRE reads the Rust syntax used), read from a file
    # (as an argument it is longer than the kernel allows). It reads .gz files as bytes, which
    # scans less text than the others do.
    grep) cmd=(grep -r -c -P -f "$work/patterns-alternation.txt" "$@") ;;
  esac
}

# time_run NAME OUTFILE PATH...: "wall kb" of one run, "timeout", or "failed"
time_run() {
  local name=$1 out=$2; shift 2
  command_for "$name" "$@"
  # Output goes to a file, never to /dev/null: GNU grep stops at the first match when its
  # output is discarded, which would time a search that never happened.
  local rc=0
  timeout "$limit" /usr/bin/time -v "${cmd[@]}" > "$out.out" 2> "$out.time" || rc=$?
  if (( rc == 124 )); then echo timeout; return; fi
  # grep and ripgrep exit 1 when nothing matched, which is still a finished search
  if (( rc > 1 )); then echo failed; return; fi
  local wall kb
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out.time" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
  kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out.time")
  echo "$wall $kb"
}

# run NAME PATH: "NAME wall kb" for a whole run. A baseline is first timed on the sample; when
# that run, scaled to the corpus, would pass the time limit, the scaled figure is reported
# (marked as an estimate) instead of waiting for the whole run.
run() {
  local name=$1 path=$2
  if [[ $name != bootrules* ]]; then
    local measured
    measured=$(time_run "$name" "$work/$name-sample" "${sample[@]}")
    if [[ $measured == timeout || $measured == failed ]]; then echo "$name $measured 0"; return; fi
    local estimate
    estimate=$(awk -v w="${measured% *}" -v s="$sample_bytes" -v b="$bytes" 'BEGIN { print w * b / s }')
    if awk -v e="$estimate" -v l="$limit" 'BEGIN { exit !(e > l) }'; then
      echo "$name $estimate 0 estimate"
      return
    fi
  fi
  echo "$name $(median_run "$name" "$work/$name" "$path")"
}

# median_run NAME OUTFILE PATH: "wall kb" of the median of BENCH_RUNS runs (default 5; a run
# of more than 10 s is not repeated), the highest peak memory among them, or what time_run said
median_run() {
  local name=$1 out=$2 path=$3 walls=() kb=0 measured
  for (( i = 0; i < ${BENCH_RUNS:-5}; i++ )); do
    measured=$(time_run "$name" "$out" "$path")
    [[ $measured == timeout || $measured == failed ]] && { echo "$measured"; return; }
    walls+=("${measured% *}")
    (( ${measured#* } > kb )) && kb=${measured#* }
    awk -v w="${measured% *}" 'BEGIN { exit !(w > 10) }' && break
  done
  echo "$(printf '%s\n' "${walls[@]}" | sort -g | awk '{ w[NR] = $1 } END { print w[int((NR + 1) / 2)] }') $kb"
}

# Warm the page cache, so the first program timed does not pay for reading the disk.
find "$corpus" -type f -exec cat {} + > /dev/null
cat "$work/single.log" > /dev/null

{
  run bootrules "$corpus"
  run ripgrep-50 "$corpus"
  run ripgrep "$corpus"
  run ripgrep-pcre2 "$corpus"
  run grep "$corpus"
  run bootrules-single "$work/single.log"
  run bootrules-1-job "$corpus"
} > "$work/results.txt"

echo "corpus: $files files, $((bytes >> 20)) MiB on disk (every tenth gzipped); single file: $(( $(stat -c %s "$work/single.log") >> 20 )) MiB; $(wc -l < "$work/patterns.txt") patterns; $(nproc) cores"
awk -v limit="$limit" '
  { name[NR] = $1; wall[NR] = $2; kb[NR] = $3; note[NR] = $4; if ($1 == "bootrules") base = $2 }
  END {
    printf "%-18s %10s %12s %14s\n", "run", "wall s", "peak MiB", "vs bootrules"
    for (i = 1; i <= NR; i++) {
      if (wall[i] == "timeout") { printf "%-18s %10s %12s %14s\n", name[i], "> " limit, "-", "-"; continue }
      if (wall[i] == "failed") { printf "%-18s %10s %12s %14s\n", name[i], "failed", "-", "-"; continue }
      if (note[i] == "estimate") {
        printf "%-18s %10s %12s %13.1fx  (scaled from the sample)\n", name[i], sprintf("~%.0f", wall[i]), "-", wall[i] / base
        continue
      }
      printf "%-18s %10.2f %12.1f %13.2fx\n", name[i], wall[i], kb[i] / 1024, wall[i] / base
    }
  }' "$work/results.txt"
# Loading the pack, as a whole process on one core: `rules list` (load the pack, print it) next
# to `--version` (a process that loads nothing), alternating, median of 21 runs of each. Timed
# from Python, which adds only its own fork and exec (a shell's `date` pair adds milliseconds).
read -r load_ms start_ms < <(python3 - "$bin" <<'PY'
import statistics, subprocess, sys, time
def once(*args):
    t0 = time.perf_counter()
    subprocess.run(["taskset", "-c", "0", sys.argv[1], *args], stdout=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - t0) * 1000
load, start = [], []
for _ in range(21):
    load.append(once("rules", "list"))
    start.append(once("--version"))
print(f"{statistics.median(load):.1f} {statistics.median(start):.1f}")
PY
)
awk '
  $1 == "bootrules" { all = $2 } $1 == "bootrules-1-job" { one = $2 } $1 == "ripgrep-50" { rg = $2 }
  END {
    if (rg > 0) printf "bootrules / ripgrep with 50 strings: %.2fx the wall time\n", all / rg
    if (all > 0) printf "--jobs %d against --jobs 1: %.2fx faster\n", '"$(nproc)"', one / all
  }' "$work/results.txt"
echo "pack load (rules list, one core, median of 21 processes): ${load_ms} ms; a process that loads nothing (--version): ${start_ms} ms (criterion: cargo bench -p bootrules-rules --bench engine -- 'load default pack')"
echo "sample for estimates: ${#sample[@]} folders, $((sample_bytes >> 20)) MiB"
# Why a baseline failed (PCRE2 refuses an alternation of the whole pack as too large).
for name in ripgrep ripgrep-pcre2 grep; do
  if grep -q "^$name failed" "$work/results.txt"; then
    echo "$name failed: $(grep -v -e '^Command' -e '^\s' "$work/$name-sample.time" | head -1)"
  fi
done
# What each run found, to show that every program searched the whole corpus.
for name in ripgrep-50 ripgrep ripgrep-pcre2 grep; do
  [ -s "$work/$name.out" ] && grep -q "^$name [0-9]" "$work/results.txt" && ! grep -q "^$name .* estimate" "$work/results.txt" &&
    echo "$name: $(awk -F: '{ n += $NF } END { print n }' "$work/$name.out") matching lines"
done
echo "bootrules: $(wc -l < "$work/bootrules.out") files, $(grep -o '"start_line"' "$work/bootrules.out" | wc -l) sessions"
