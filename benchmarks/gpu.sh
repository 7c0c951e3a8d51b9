#!/usr/bin/env bash
# reportgen on one GPU: set-up, CUDA tests, every lab built, lab4 timed. One command.
#
#   .venv/bin/python benchmarks/gpu_prepare.py   # once, where the package index is reachable:
#                                                # wheels + fonts into benchmarks/gpu-carry/
#   bash benchmarks/gpu.sh                       # on the GPU machine, in the repository root
#   DEVICE=cpu PROFILE=quick bash benchmarks/gpu.sh   # every step checked on a CPU
#
# 1. Set-up from the repository alone (a GPU image reaches no network): a venv over the
#    system's torch (its CUDA build; pip must not fetch another), reportgen installed
#    without dependencies, what the image lacks from gpu-carry/wheels, the report's fonts
#    from gpu-carry/fonts. Where WeasyPrint cannot load (no Pango), reports are Markdown.
# 2. reportgen doctor; the CUDA tests (tests/test_cuda.py: the hand-written BPTT and a
#    digitsum run on the GPU against the CPU, a build on --device cuda).
# 3. A quick build of every lab on the device.
# 4. The lab4 course build, cold (JOBS runs at once on the one GPU) and warm.
# 5. Every lab4 model's sec/epoch on the device beside this machine's CPU, 1 thread.
# Results: $RESULTS (default: $OUT when the device tool sets it, else benchmarks/results),
# gpu-<device>-<stamp>.md with every timing, and lab4-<device>-<stamp>.{md,json}.
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICE=${DEVICE:-cuda}
PROFILE=${PROFILE:-course}  # of step 4; quick for a check on a CPU
JOBS=${JOBS:-4}
ROUNDS=${ROUNDS:-5}
RESULTS=${RESULTS:-${OUT:-benchmarks/results}}
export RESULTS
mkdir -p "$RESULTS"
stamp=$(date -u +%Y-%m-%dT%H%M)
summary="$RESULTS/gpu-$DEVICE-$stamp.md"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. set-up
if [ -x .venv/bin/python ] && .venv/bin/python -c "import reportgen, weasyprint" 2>/dev/null; then
    PY=.venv/bin/python  # this repository's own set-up (scripts/setup.sh) is there
else
    SYSTEM_PY=${PYTHON:-python3}
    "$SYSTEM_PY" -c "import torch" || { echo "no torch in $SYSTEM_PY: set PYTHON"; exit 1; }
    [ -x .venv-gpu/bin/python ] || "$SYSTEM_PY" -m venv --system-site-packages .venv-gpu
    PY=.venv-gpu/bin/python
    if [ -d benchmarks/gpu-carry/wheels ]; then
        "$PY" -m pip install -q --no-index --no-deps benchmarks/gpu-carry/wheels/*.whl
    fi
    "$PY" -m pip install -q --no-index --no-deps --no-build-isolation -e .
fi
if [ -d benchmarks/gpu-carry/fonts ] && ! fc-list | grep -q "Noto Sans CJK SC"; then
    mkdir -p "$HOME/.local/share/fonts"
    cp benchmarks/gpu-carry/fonts/* "$HOME/.local/share/fonts/"
    fc-cache -f >/dev/null
fi
FORMATS=md,pdf
"$PY" -c "import weasyprint" 2>/dev/null || FORMATS=md
# figures are drawn in worker processes too: none may pick up a display
export MPLBACKEND=Agg

{
    echo "# reportgen on $DEVICE — $stamp"
    echo
    "$PY" - <<EOF
import os, platform, torch
device = torch.cuda.get_device_name() if "$DEVICE" == "cuda" else platform.processor() or "cpu"
print(f"Device: {device}; torch {torch.__version__}; {os.cpu_count()} CPU cores; report formats: $FORMATS.")
EOF
    echo
} >"$summary"

timed() {  # timed LABEL COMMAND…: run it, append "| LABEL | seconds | exit |" to the summary
    local label=$1 started=$EPOCHREALTIME status=0
    shift
    "$@" >"$work/last.log" 2>&1 || status=$?
    awk -v label="$label" -v s="$started" -v e="$EPOCHREALTIME" -v rc="$status" \
        'BEGIN { printf "| %s | %.1f | %s |\n", label, e - s, rc }' >>"$summary"
    [ "$status" -eq 0 ] || { echo "== $label failed:"; tail -20 "$work/last.log"; }
    return 0
}
build() {  # build LAB BUILD_DIR [options…]
    local lab=$1 dir=$2
    shift 2
    "$PY" -m reportgen build "$lab" --student WA2214014 --name 杨跃浙 --major 人工智能 \
        --device "$DEVICE" --format "$FORMATS" --build-dir "$dir" "$@"
}

# 2. doctor and the CUDA tests
echo "| step | seconds | exit |" >>"$summary"
echo "|---|---|---|" >>"$summary"
timed "reportgen doctor" "$PY" -m reportgen doctor
cp "$work/last.log" "$RESULTS/gpu-$DEVICE-$stamp-doctor.txt"
timed "CUDA tests (tests/test_cuda.py)" "$PY" -m pytest -q tests/test_cuda.py
tail -3 "$work/last.log" >"$RESULTS/gpu-$DEVICE-$stamp-tests.txt"

# 3. a quick build of every lab
for lab in lab4 rnn-tuning digitsum tangshi lyrics; do
    timed "quick build of $lab (cold)" build "$lab" "$work/quick" --profile quick
done

# 4. the lab4 course build, cold and warm
timed "lab4 $PROFILE build, cold, --jobs $JOBS" build lab4 "$work/course" --profile "$PROFILE" --jobs "$JOBS"
grep -E "done in|Built in" "$work/last.log" >"$RESULTS/gpu-$DEVICE-$stamp-lab4-runs.txt" || true
timed "lab4 $PROFILE build, warm" build lab4 "$work/course" --profile "$PROFILE" --jobs "$JOBS"

# 5. sec/epoch per model beside the CPU
[ "$DEVICE" = cpu ] || timed "lab4 sec/epoch, $ROUNDS rounds" "$PY" benchmarks/lab4.py --device "$DEVICE" --rounds "$ROUNDS"
cat "$summary"
