#!/usr/bin/env bash
# Times network-config-analyzer (NCA) on the clusters `benches/graph.rs`
# generates, for comparison with `polctl graph`:
#
#   benches/nca.sh                        # k8s, mixed, single-tier; the whole matrix
#   benches/nca.sh k8s 1000,5000 100      # the graph benchmark's selection words
#
# Each configuration is written to $NCA_DIR/<family>-<pods>-<policies>/cluster.yaml
# and analysed with `nca --connectivity DIR -r DIR -o csv`, under a timeout,
# then with `polctl graph -f DIR -o json` (release build) in the same run.
# Wall time, CPU time and peak memory come from `/usr/bin/time -v` (else from
# Python's resource module). A configuration with at least the pods and
# policies of one of its family that timed out is not run.
#
#   NCA          the nca program (default /tmp/nca/bin/nca; install with
#                python3 -m venv /tmp/nca && /tmp/nca/bin/pip install network-config-analyzer)
#   NCA_TIMEOUT  seconds per configuration (default 1200)
#   NCA_DIR      work directory (default /tmp/polctl-nca)
set -euo pipefail

nca=${NCA:-/tmp/nca/bin/nca}
limit=${NCA_TIMEOUT:-1200}
work=${NCA_DIR:-/tmp/polctl-nca}
cd "$(dirname "$0")/.."

[ -x "$nca" ] || { echo "nca.sh: no nca at $nca (set NCA)" >&2; exit 2; }
family_given=false
for a in "$@"; do
    case $a in k8s | mixed | calico | single-tier | all) family_given=true ;; esac
done
$family_given || set -- k8s mixed single-tier "$@"

mkdir -p "$work"
cargo build --quiet --release --bin polctl
polctl=$PWD/target/release/polctl
mapfile -t files < <(cargo bench --quiet --bench graph -- --write-yaml "$work" "$@")

# Runs nca on $1 (a directory); prints "exit wall_s cpu_s peak_kib".
measure() {
    local dir=$1
    if [ -x /usr/bin/time ]; then
        local rc=0
        /usr/bin/time -v -o "$dir/time.txt" timeout "$limit" \
            "$nca" --connectivity "$dir" -r "$dir" -o csv >"$dir/out.csv" 2>"$dir/err.txt" || rc=$?
        awk -v rc="$rc" -F': ' '
            /Elapsed \(wall clock\)/ { n = split($2, p, ":"); wall = 0; for (i = 1; i <= n; i++) wall = wall * 60 + p[i] }
            /User time/ { cpu += $2 } /System time/ { cpu += $2 }
            /Maximum resident set size/ { rss = $2 }
            END { printf "%s %.1f %.1f %s\n", rc, wall, cpu, rss }' "$dir/time.txt"
    else
        python3 - "$limit" "$nca" "$dir" <<'EOF'
import resource, subprocess, sys, time
limit, nca, d = int(sys.argv[1]), sys.argv[2], sys.argv[3]
start = time.monotonic()
with open(f"{d}/out.csv", "w") as out, open(f"{d}/err.txt", "w") as err:
    try:
        rc = subprocess.run([nca, "--connectivity", d, "-r", d, "-o", "csv"],
                            stdout=out, stderr=err, timeout=limit).returncode
    except subprocess.TimeoutExpired:
        rc = 124
wall = time.monotonic() - start
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(rc, f"{wall:.1f}", f"{ru.ru_utime + ru.ru_stime:.1f}", ru.ru_maxrss)
EOF
    fi
}

# Runs polctl graph on $1; prints "exit wall_s".
measure_polctl() {
    local dir=$1 rc=0 start end
    start=$(date +%s.%N)
    "$polctl" graph -f "$dir" -o json >"$dir/polctl.json" 2>"$dir/polctl-err.txt" || rc=$?
    end=$(date +%s.%N)
    awk -v rc="$rc" -v a="$start" -v b="$end" 'BEGIN { printf "%s %.3f\n", rc, b - a }'
}

duration() { awk -v s="$1" 'BEGIN { if (s < 100) printf "%.1f s", s; else printf "%.1f min", s / 60 }'; }
thousands() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

rows=()
timed_out=()
for file in "${files[@]}"; do
    dir=$(dirname "$file")
    name=$(basename "$dir")
    policies=${name##*-}
    rest=${name%-*}
    pods=${rest##*-}
    family=${rest%-*}
    skip=""
    for t in "${timed_out[@]+"${timed_out[@]}"}"; do
        read -r tf tp tq <<<"$t"
        if [ "$tf" = "$family" ] && [ "$tp" -le "$pods" ] && [ "$tq" -le "$policies" ]; then
            skip="not run ($(thousands "$tp") × $(thousands "$tq"): > $(duration "$limit"))"
            break
        fi
    done
    if [ -n "$skip" ]; then
        echo "  $name: $skip"
        rows+=("| $family | $(thousands "$pods") | $(thousands "$policies") | $skip | – | – | – | – | – | – |")
        continue
    fi
    echo "  $name: running nca (timeout $(duration "$limit"), load average $(cut -d' ' -f1 /proc/loadavg))"
    read -r rc wall cpu rss < <(measure "$dir")
    read -r prc pwall < <(measure_polctl "$dir")
    ratio=$(awk -v n="$wall" -v p="$pwall" 'BEGIN { if (p > 0) printf "×%.0f", n / p; else print "–" }')
    [ "$prc" = 0 ] || ratio="polctl exit $prc"
    endpoints=$(grep -ohE 'cluster has [0-9]+ unique endpoints' "$dir/out.csv" | grep -oE '[0-9]+' || true)
    case $rc in
        0) status="ok" ;;
        124) status="> $(duration "$limit")"; timed_out+=("$family $pods $policies") ;;
        *) status="exit $rc: $(grep -hE 'Error' "$dir/out.csv" "$dir/err.txt" | head -1 | cut -c1-120)" ;;
    esac
    peak=$(awk -v k="$rss" 'BEGIN { printf "%.1f MiB", k / 1024 }')
    pms=$(awk -v s="$pwall" 'BEGIN { printf "%.0f ms", s * 1000 }')
    echo "  $name: $status; wall $(duration "$wall"), CPU $(duration "$cpu"), peak $peak, ${endpoints:-?} endpoints; polctl graph -o json $pms ($ratio)"
    rows+=("| $family | $(thousands "$pods") | $(thousands "$policies") | $status | $(duration "$wall") | $(duration "$cpu") | $peak | ${endpoints:-–} | $pms | $ratio |")
done

echo
echo "| cluster | pods | policies | NCA | wall | CPU | peak memory | NCA endpoints | polctl graph -o json | NCA / polctl |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
