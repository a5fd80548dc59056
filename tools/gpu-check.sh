#!/usr/bin/env bash
# GPU check: publishes the test runner self-contained (the GPU machines have no .NET), then, where a GPU
# is present, prints nvidia-smi and Cuda.Diagnose(), runs the whole test suite (CPU and CUDA fixtures:
# TestDevices adds cuda:0, and Tests/Cuda compares every backend primitive with the CPU), the binding's
# micro-benchmarks and the CUDA backend's benchmarks (elementwise vs copy bandwidth, row sum/softmax,
# SGEMM 4096, per-op overhead, MLP step with memory statistics), and ends with the benchmark tables.
# Well under 10 minutes. Run the same shapes in PyTorch on the card for the ratios of docs/gpu-results.md.
#
#   CUDATENSOR_CUDA_SYNC=1 tools/gpu-check.sh --run   synchronizes after every kernel (names a faulting kernel)
#
#   tools/gpu-check.sh            publish (needs the .NET SDK) if needed, then run
#   tools/gpu-check.sh --publish  publish only (on a machine with the SDK)
#   tools/gpu-check.sh --run      run only, from artifacts/gpu-runner/ (on the GPU machine; no SDK needed)
#   tools/gpu-check.sh --smoke    publish, then the comparison tests and every benchmark at small sizes: the
#                                 end-to-end check CI runs on the virtual device (CUDATENSOR_VIRTUAL_DEVICE=1)
#
# The runner is published to artifacts/gpu-runner/ (ignored by git): a single ~20 MB file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="artifacts/gpu-runner"
runner="$out/CudaTensor.GpuRunner"
mode="${1:-all}"

if [[ "$mode" == "--publish" || "$mode" == "--smoke" || ( "$mode" == "all" && ! -x "$runner" ) ]]; then
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
status=0
# Keep the kernel cache inside the checkout so that the run leaves nothing elsewhere.
export CUDATENSOR_KERNEL_CACHE="${CUDATENSOR_KERNEL_CACHE:-$PWD/artifacts/kernel-cache}"
echo "== CUDA backend comparison tests first (a quick signal if the full run is cut short)"
"$runner" --diagnose --filter 'CudaVsCpu|CachingAllocator' || status=1
if [[ "$mode" == "--smoke" ]]; then
    echo "== GPU benchmarks at smoke sizes (binding, then CUDA backend)"
    "$runner" --no-tests --bench --smoke || status=1
else
    echo "== tests (all fixtures)"
    "$runner" || status=1
    echo "== GPU benchmarks (binding, then CUDA backend)"
    "$runner" --no-tests --bench || status=1
fi
echo "gpu-check: finished in $((SECONDS - start)) s, exit $status"
exit $status
