#!/usr/bin/env bash
# The Python corpus of the bundled student (issue 18): every .py file of the CPython standard library except its
# test packages, split by document into a training folder and a held-out folder that no run trains on.
#
#   scripts/python-stdlib-corpus.sh [OUT]      (OUT: models/corpus by default, git-ignored)
#
# writes OUT/train/ and OUT/held-out/ (copies, relative paths kept) and OUT/MANIFEST (sha256 and bytes of every
# file, by side). Then, for every student and the teacher alike:
#   distillery distill ... --data OUT/train --include '*.py' --eval-data OUT/held-out
#   distillery eval -m MODEL --data OUT/held-out --line-completion
#
# Left out of both sides:
# - the standard library's test packages: every folder named test, tests or idle_test (test/, ctypes/test/,
#   unittest/test/, lib2to3/tests/, idlelib/idle_test/, tkinter/test/, distutils/tests/ ...);
# - installed third-party code (site-packages, dist-packages), so that evaluations on Python the student never
#   saw stay honest.
# The held-out side: files ranked by the SHA-256 of their path below STDLIB, taken in that order while they fit
# in HELD_OUT_BYTES, skipping files over MAX_HELD_OUT_FILE bytes so that the held-out text is many documents,
# not a few data tables. The split depends only on the file list, so the same Python gives the same split.
# Environment: STDLIB (/usr/lib/python3.11, Debian's libpython3.11-stdlib), HELD_OUT_BYTES (320000),
# MAX_HELD_OUT_FILE (40000).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-models/corpus}
stdlib=${STDLIB:-/usr/lib/python3.11}
held_out_bytes=${HELD_OUT_BYTES:-320000}
max_file=${MAX_HELD_OUT_FILE:-40000}
[ -f "$stdlib/os.py" ] || { echo "python-stdlib-corpus: $stdlib is not a Python standard library (no os.py)" >&2; exit 1; }
[ -e "$out/MANIFEST" ] && { echo "python-stdlib-corpus: $out exists already; remove it to rebuild" >&2; exit 1; }

rm -rf "$out.partial"
mkdir -p "$out.partial/train" "$out.partial/held-out"
# relative paths, ranked by the SHA-256 of the path
( cd "$stdlib" && find . -name '*.py' -type f \
      -not -path '*/test/*' -not -path '*/tests/*' -not -path '*/idle_test/*' \
      -not -path '*/site-packages/*' -not -path '*/dist-packages/*' -printf '%P\n' ) |
    while IFS= read -r path; do
        printf '%s %s %s\n' "$(printf '%s' "$path" | sha256sum | cut -c1-64)" "$(stat -c %s "$stdlib/$path")" "$path"
    done | sort > "$out.partial/ranked"

held=0
while read -r _ size path; do
    side=train
    if [ "$held" -lt "$held_out_bytes" ] && [ "$size" -le "$max_file" ] && [ "$size" -gt 0 ]; then
        side=held-out
        held=$((held + size))
    fi
    mkdir -p "$out.partial/$side/$(dirname "$path")"
    cp "$stdlib/$path" "$out.partial/$side/$path"
done < "$out.partial/ranked"
rm "$out.partial/ranked"

( cd "$out.partial" && find train held-out -type f -printf '%p\n' | sort | while IFS= read -r f; do
      printf '%s  %s  %s\n' "$(sha256sum < "$f" | cut -c1-64)" "$(stat -c %s "$f")" "$f"
  done ) > "$out.partial/MANIFEST"
mv "$out.partial" "$out"
for side in train held-out; do
    printf 'python-stdlib-corpus: %-8s %5d files, %9d bytes\n' "$side" \
        "$(grep -c "  $side/" "$out/MANIFEST")" "$(grep "  $side/" "$out/MANIFEST" | awk '{s += $2} END {print s}')" >&2
done
