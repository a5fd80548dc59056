#!/usr/bin/env bash
# Makes TorchSharp-cpu 0.107 (libtorch 2.10) load on Debian 12, reproducibly. Run once before the comparison:
#
#   bash Benchmarks/LibTorchCompare/setup.sh && dotnet run -c Release --project Benchmarks/LibTorchCompare
#
# Why: libLibTorchSharp.so was linked against GCC 13's libstdc++ and asks for GLIBCXX_3.4.32, which Debian 12's
# libstdc++ (GCC 12, up to GLIBCXX_3.4.30) lacks. The only symbol it uses from that version is
# std::ios_base_library_init. So: build a tiny shim library that provides it (shim.cpp), then patch the
# package's libLibTorchSharp.so: clear that symbol's version, mark the GLIBCXX_3.4.32 need weak, and add the
# shim as a needed library (found through the library's $ORIGIN run path, next to it in the build output).
# The restore downloads about 600 MB of native libtorch into the NuGet cache; patching is idempotent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

need_apt=()
command -v patchelf > /dev/null || need_apt+=(patchelf)
command -v g++ > /dev/null || need_apt+=(g++)
if ((${#need_apt[@]})); then
    apt-get update -qq && apt-get install -y -qq "${need_apt[@]}"
fi

dotnet restore LibTorchCompare.csproj

packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
lib="$packages/torchsharp/0.107.0/runtimes/linux-x64/native/libLibTorchSharp.so"
[[ -f "$lib" ]] || { echo "setup.sh: $lib not found after restore" >&2; exit 1; }

mkdir -p native
g++ -O2 -shared -fPIC -o native/libstdcxx_shim.so shim.cpp

if objdump -T "$lib" | grep -q 'GLIBCXX_3.4.32'; then
    patchelf --clear-symbol-version _ZSt21ios_base_library_initv "$lib"
fi
python3 weak_verneed.py "$lib" GLIBCXX_3.4.32
if ! readelf -d "$lib" | grep -q 'libstdcxx_shim.so'; then
    patchelf --add-needed libstdcxx_shim.so "$lib"
fi
echo "setup.sh: $lib patched; the shim is in $here/native (copied next to it on build)"
