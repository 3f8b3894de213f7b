#!/usr/bin/env bash
# Coverage-guided fuzzing of one target with AFL++ and SharpFuzz:
#   fuzz/run.sh TARGET SECONDS
# TARGET is one of: peer-delivery peer-request wal snapshot cluster-file command-codec kv-snapshot.
# Installs afl++ (apt, as root) and the SharpFuzz tool if missing, publishes the harness
# (fuzz/Paxos.Fuzz.Afl), instruments the project's assemblies and the parsers they use, seeds the
# corpus with the target's valid inputs and runs afl-fuzz for SECONDS. A second run of the same
# target resumes its queue (fuzz/out/TARGET). Every crash of this run is copied to
# tests/Paxos.Fuzz.Tests/Crashes/TARGET/, where the regression test replays it (keep one input
# per distinct failure; `dotnet run --project fuzz/Paxos.Fuzz.Afl -- replay TARGET FILE` shows one,
# as the instrumented build in fuzz/out runs only under afl-fuzz); the executions
# and time of the run are printed at the end. Runs at the lowest priority (nice 19).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -ne 2 ]; then
  echo "usage: fuzz/run.sh TARGET SECONDS" >&2
  exit 2
fi
target=$1
seconds=$2
out="$root/fuzz/out"
work="$out/$target"
mkdir -p "$work"

if ! command -v afl-fuzz >/dev/null; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "afl-fuzz is missing: install Debian's afl++ package (apt-get install afl++) and run again" >&2
    exit 1
  fi
  apt-get install -y --no-install-recommends afl++ >/dev/null
fi
tools="$out/tools"
if [ ! -x "$tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
fi

# A fresh publish each run, so the instrumented assemblies are those of the sources now.
bin="$work/bin"
rm -rf "$bin"
dotnet publish "$root/fuzz/Paxos.Fuzz.Afl" -c Release -o "$bin" --nologo -v quiet >/dev/null
harness=(dotnet "$bin/Paxos.Fuzz.Afl.dll")
input="$work/corpus"
if [ -d "$work/findings/default/queue" ]; then
  input=-   # resume the previous run's queue
else
  "${harness[@]}" seeds "$target" "$input"   # before instrumenting: instrumented code runs only under afl-fuzz
fi
for assembly in Paxos.Core Paxos.Storage Paxos.Transport Paxos.KeyValue Paxos.Node Google.Protobuf YamlDotNet; do
  "$tools/sharpfuzz" "$bin/$assembly.dll" >/dev/null
done

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1
export AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_AUTORESUME=1
export TMPDIR="$work/tmp"   # the targets' scratch files
mkdir -p "$TMPDIR"
status=0
touch "$work/started"   # crashes of earlier runs were copied (and triaged) then
nice -n 19 afl-fuzz -V "$seconds" -t 10000 -m none -i "$input" -o "$work/findings" -- "${harness[@]}" run "$target" \
  > "$work/afl.log" 2>&1 || status=$?

stats="$work/findings/default/fuzzer_stats"
if [ ! -f "$stats" ]; then
  tail -n 30 "$work/afl.log" >&2
  exit "${status:-1}"
fi
crashes="$root/tests/Paxos.Fuzz.Tests/Crashes/$target"
found=0
for crash in "$work"/findings/default/crashes/id:*; do
  [ "$crash" -nt "$work/started" ] || continue
  mkdir -p "$crashes"
  cp "$crash" "$crashes/$(sha256sum "$crash" | cut -c1-16)"
  found=$((found + 1))
done
field() { awk -v key="$1" '$1 == key { print $3 }' "$stats"; }
echo "$target: $(field execs_done) executions in $(field run_time) s, $(field corpus_count) inputs in the queue, $found crashes (copied to tests/Paxos.Fuzz.Tests/Crashes/$target)"
