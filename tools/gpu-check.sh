#!/usr/bin/env bash
# GPU check: publishes the test runner self-contained (the GPU machines have no .NET), then, where a GPU
# is present, prints nvidia-smi and Cuda.Diagnose(), runs the whole test suite (CPU and CUDA fixtures)
# and the GPU micro-benchmarks, and ends with the benchmark table. Well under 10 minutes.
#
#   tools/gpu-check.sh            publish (needs the .NET SDK) if needed, then run
#   tools/gpu-check.sh --publish  publish only (on a machine with the SDK)
#   tools/gpu-check.sh --run      run only, from artifacts/gpu-runner/ (on the GPU machine; no SDK needed)
#
# The runner is published to artifacts/gpu-runner/ (ignored by git): a single ~20 MB file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="artifacts/gpu-runner"
runner="$out/CudaTensor.GpuRunner"
mode="${1:-all}"

if [[ "$mode" == "--publish" || ( "$mode" == "all" && ! -x "$runner" ) ]]; then
    # Publish from a clean obj/ so that changed trim options take effect.
    rm -rf GpuRunner/obj GpuRunner/bin "$out"
    dotnet publish GpuRunner/CudaTensor.GpuRunner.csproj -c Release -r linux-x64 --self-contained \
        -p:PublishSingleFile=true -p:EnableCompressionInSingleFile=true -p:PublishTrimmed=true \
        -p:TrimMode=partial -p:InvariantGlobalization=true -o "$out" -nologo -v:q
    echo "gpu-check: published $runner ($(du -h "$runner" | cut -f1))"
    [[ "$mode" == "--publish" ]] && exit 0
fi

start=$SECONDS
echo "== nvidia-smi"
if command -v nvidia-smi >/dev/null; then nvidia-smi || true; else echo "nvidia-smi not found"; fi
echo "== tests (all fixtures) and CUDA diagnostics"
status=0
# Keep the kernel cache inside the checkout so that the run leaves nothing elsewhere.
CUDATENSOR_KERNEL_CACHE="${CUDATENSOR_KERNEL_CACHE:-$PWD/artifacts/kernel-cache}" \
    "$runner" --diagnose || status=$?
echo "== GPU benchmarks"
"$runner" --no-tests --bench || status=1
echo "gpu-check: finished in $((SECONDS - start)) s, exit $status"
exit $status
