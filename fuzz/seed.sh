#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus is not committed): every YAML fixture
# and every saved regression input for `load`, and a few selectors in both
# syntaxes plus the saved selector regressions for `selector`.
# Usage: fuzz/seed.sh   (from anywhere)
set -euo pipefail

fuzz="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$fuzz")"

mkdir -p "$fuzz/corpus/load" "$fuzz/corpus/selector"
find "$root/fixtures" -type f \( -name '*.yaml' -o -name '*.yml' \) -print0 |
    while IFS= read -r -d '' file; do
        rel="${file#"$root/fixtures/"}"
        cp "$file" "$fuzz/corpus/load/${rel//\//-}"
    done
# Each fixture whole (workloads and policies together), so that what loads
# also compiles into flows worth simulating.
for dir in "$root"/fixtures/*/; do
    name="$(basename "$dir")"
    find "$dir" -type f -name '*.yaml' -print0 | sort -z |
        xargs -0 awk 'FNR == 1 && NR > 1 { print "---" } { print }' >"$fuzz/corpus/load/whole-$name.yaml"
done
for file in "$root"/tests/fuzz-regressions/*; do
    name="$(basename "$file")"
    case "$name" in
    load-*) cp "$file" "$fuzz/corpus/load/regression-$name" ;;
    selector-*) cp "$file" "$fuzz/corpus/selector/regression-$name" ;;
    esac
done

i=0
while IFS= read -r selector; do
    printf '%s' "$selector" >"$fuzz/corpus/selector/seed-$i"
    i=$((i + 1))
done <<'SELECTORS'
all()
global() && !has(quarantine)
role == 'web' && tier != "db"
env in {'prod', 'staging'} || env not in {}
app contains 'fr' && name starts with "x" && name ends with 'y'
!(a == 'b' || (c startswith 'd' && e endswith 'f')) && g notin {'h'}
app=web,tier!=db
env in (prod, dev),!legacy
example.com/team==net,app
SELECTORS

echo "corpus: $(ls "$fuzz/corpus/load" | wc -l) load and $(ls "$fuzz/corpus/selector" | wc -l) selector inputs"
