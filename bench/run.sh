#!/usr/bin/env bash
# Throughput of `bootrules check` against ripgrep and GNU grep searching the same patterns.
#
# Builds a corpus of about 1 GB from the real lab logs (many files with many sessions, some
# gzipped, and one single 1 GB file), then times, in this run, bootrules (all cores),
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

python3 - "$work" "$size_mb" <<'PY'
import glob, gzip, os, sys
work, size = sys.argv[1], int(sys.argv[2]) << 20
logs = [open(f, "rb").read() for f in sorted(glob.glob("tests/fixtures/lab/logs/*.log"))]
corpus = os.path.join(work, "corpus")
if not os.path.exists(os.path.join(corpus, ".done")):
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
    open(os.path.join(corpus, ".done"), "w").write(str(i))
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
files=$(find "$corpus" -type f ! -name .done | wc -l)
bytes=$(du -sb "$corpus" | cut -f1)

# run NAME COMMAND...: wall seconds and peak KB (or "timeout")
run() {
  local name=$1; shift
  local out="$work/$name.time"
  if timeout "$limit" /usr/bin/time -v "$@" > /dev/null 2> "$out"; then
    local wall kb
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out")
    echo "$name $wall $kb"
  else
    echo "$name timeout 0"
  fi
}

{
  run bootrules "$bin" check --format jsonl --no-progress "$corpus"
  run ripgrep rg -c -z -f "$work/patterns.txt" "$corpus"
  # ripgrep's PCRE2 engine handles this many alternatives better than its default one
  run ripgrep-pcre2 rg -c -z -P -f "$work/patterns.txt" "$corpus"
  # GNU grep -P takes one pattern: the alternation of all of them (PCRE reads the Rust syntax used)
  run grep grep -r -c -P "$(paste -sd'|' "$work/patterns.txt")" "$corpus"
  run bootrules-single "$bin" check --format jsonl --no-progress "$work/single.log"
  run bootrules-1-job "$bin" check --format jsonl --no-progress --jobs 1 "$corpus"
} > "$work/results.txt"

echo "corpus: $files files, $((bytes >> 20)) MiB on disk (every tenth gzipped); single file: $(( $(stat -c %s "$work/single.log") >> 20 )) MiB; $(wc -l < "$work/patterns.txt") patterns; $(nproc) cores"
awk -v limit="$limit" '
  { name[NR] = $1; wall[NR] = $2; kb[NR] = $3; if ($1 == "bootrules") base = $2 }
  END {
    printf "%-18s %10s %12s %14s\n", "run", "wall s", "peak MiB", "vs bootrules"
    for (i = 1; i <= NR; i++) {
      if (wall[i] == "timeout") { printf "%-18s %10s %12s %14s\n", name[i], "> " limit, "-", "-"; continue }
      printf "%-18s %10.2f %12.1f %13.2fx\n", name[i], wall[i], kb[i] / 1024, wall[i] / base
    }
  }' "$work/results.txt"
