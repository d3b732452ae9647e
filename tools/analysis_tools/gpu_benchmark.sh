#!/usr/bin/env bash
# Every GPU figure of BENCHMARKS.md in one run of about 6 minutes on one
# H100-class GPU: the benchmark of every execution mode next to the naive
# baseline (paper model, training batch 16, inference batch 100, fp32 and
# bf16), with the predictions of each fast path compared with eager, and two
# short training runs through tools/train.py (the authors' fp32 eager
# recipe and the fastest path) for the time per iteration.
#
#   bash tools/analysis_tools/gpu_benchmark.sh OUT_DIR
#
# Each step has its own time limit, so a slow or failing step leaves the
# results of the others. The results are JSON files and logs in OUT_DIR.
set -uo pipefail
out=${1:?usage: gpu_benchmark.sh OUT_DIR}
mkdir -p "$out"
cd "$(dirname "$0")/../.."
export PYTHONUNBUFFERED=1
py=${PYTHON:-python3}
config=configs/mmnist/predrnnv2.py

{
  date -u
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv
  $py -c 'import torch; print("torch", torch.__version__, "cuda",
torch.version.cuda, torch.cuda.get_device_name())'
  nproc
} > "$out/machine.txt" 2>&1

# one compile cache for the whole run: the compiled mode compiles first
# (its compile_s is a first compile); the CUDA-graph modes then reuse the
# kernels (their compile_s is graph capture plus cache hits)
export TORCHINDUCTOR_CACHE_DIR=/tmp/predrnn_inductor TRITON_CACHE_DIR=/tmp/predrnn_triton
bench() {  # name, limit in s, benchmark arguments
  local name=$1 limit=$2
  shift 2
  echo "== $name: $(date -u +%T)"
  timeout "$limit" $py tools/analysis_tools/benchmark.py $config \
    --iters 5 --warm-compile-cache --json "$out/$name.json" "$@" \
    > "$out/$name.log" 2>&1
  echo "   exit $? after $SECONDS s"
  tail -n 25 "$out/$name.log"
}

# time per iteration of the real training loop (data, curriculum, both
# reversed steps, logging): fp32 eager as the authors train, and CUDA graphs
# with bf16; no validation (it would generate the 10,000-clip test set)
train() {  # name, limit in s, model.compile, extra arguments
  local name=$1 limit=$2 compile=$3
  shift 3
  cat > "/tmp/train_$name.py" <<EOF
_base_ = '$PWD/$config'
model = dict(compile=$compile)
train_cfg = dict(max_iters=${TRAIN_ITERS:-150})
train_dataloader = dict(num_workers=4)
default_hooks = dict(logger=dict(interval=25),
                     checkpoint=dict(interval=100000))
val_cfg = None
val_dataloader = None
val_evaluator = None
EOF
  echo "== train $name: $(date -u +%T)"
  timeout "$limit" $py tools/train.py "/tmp/train_$name.py" \
    --work-dir "/tmp/wd_$name" "$@" > "$out/train_$name.log" 2>&1
  echo "   exit $? after $SECONDS s"
  grep -E "Iter\(train\)" "$out/train_$name.log" | tail -n 6
}
# STEPS selects some of them, e.g. STEPS="graphs train_fp32" for a rerun
for step in ${STEPS:-eager compiled graphs graphs_ckpt train_fp32 train_graphs}; do
  case $step in
    eager) bench eager 90 --modes eager ckpt ;;
    compiled) bench compiled 170 --modes eager compiled --skip-memory ;;
    graphs) bench graphs 140 --modes eager graphs --skip-memory ;;
    graphs_ckpt) bench graphs_ckpt 120 --modes eager graphs_ckpt --skip-memory ;;
    train_fp32) train fp32_eager 110 False ;;
    train_graphs) train bf16_graphs 100 "dict(mode='reduce-overhead')" --amp ;;
    *) echo "unknown step $step" ;;
  esac
done
