using Microsoft.ML.OnnxRuntime;

namespace StreamVision.Pipelines.Models;

/// <summary>Where ONNX Runtime runs a model.</summary>
public enum ExecutionProvider
{
    Cpu,
    Cuda,
    Tensorrt,
}

/// <summary>What a session ended up with, and why it is not what was asked for (if so).</summary>
public sealed record ProviderChoice(ExecutionProvider Active, IReadOnlyList<string> Fallbacks);

/// <summary>GPU choices for the CUDA and TensorRT providers.</summary>
/// <param name="CudaGraphs">Capture the model once as a CUDA graph and replay it per frame (saves
/// kernel launch time on small models). Needs a graph with static shapes and no CPU-only nodes; the
/// model falls back to normal runs, with a log line, when ONNX Runtime refuses.</param>
public sealed record GpuSettings(int DeviceId = 0, bool CudaGraphs = false)
{
    public static readonly GpuSettings Default = new();
}

/// <summary>
/// Appends the preferred execution providers to a session's options in order, skipping (and
/// recording) any this machine cannot load — the CPU build of ONNX Runtime, no GPU, no driver — so
/// a config that asks for CUDA still runs, on the CPU, and says so. CPU is always the last resort.
/// </summary>
public static class ExecutionProviderSelector
{
    /// <param name="append">Appends one provider; throws when it is not available. Tests replace it
    /// to simulate a machine with a GPU.</param>
    public static ProviderChoice Configure(SessionOptions options, IReadOnlyList<ExecutionProvider> preference, GpuSettings? gpu = null,
        Action<SessionOptions, ExecutionProvider, GpuSettings>? append = null)
    {
        gpu ??= GpuSettings.Default;
        append ??= Append;
        var fallbacks = new List<string>();
        foreach (var provider in preference)
        {
            if (provider == ExecutionProvider.Cpu)
            {
                return new ProviderChoice(ExecutionProvider.Cpu, fallbacks);
            }
            try
            {
                append(options, provider, gpu);
                return new ProviderChoice(provider, fallbacks);
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException or NotSupportedException)
            {
                fallbacks.Add($"{provider}: {e.Message.Trim()}");
            }
        }
        return new ProviderChoice(ExecutionProvider.Cpu, fallbacks);
    }

    // Provider options by name (ONNX Runtime's CUDA/TensorRT provider option keys). Creating the
    // options object already fails on a CPU-only build, which is what makes the fallback work.
    private static void Append(SessionOptions options, ExecutionProvider provider, GpuSettings gpu)
    {
        var device = gpu.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        switch (provider)
        {
            case ExecutionProvider.Cuda:
                using (var cuda = new OrtCUDAProviderOptions())
                {
                    cuda.UpdateOptions(new Dictionary<string, string>
                    {
                        ["device_id"] = device,
                        ["enable_cuda_graph"] = gpu.CudaGraphs ? "1" : "0",
                        ["cudnn_conv_algo_search"] = "HEURISTIC",
                    });
                    options.AppendExecutionProvider_CUDA(cuda);
                }
                break;
            case ExecutionProvider.Tensorrt:
                using (var trt = new OrtTensorRTProviderOptions())
                {
                    trt.UpdateOptions(new Dictionary<string, string>
                    {
                        ["device_id"] = device,
                        ["trt_cuda_graph_enable"] = gpu.CudaGraphs ? "1" : "0",
                        ["trt_engine_cache_enable"] = "1",
                        ["trt_engine_cache_path"] = Path.Combine(Path.GetTempPath(), "streamvision-trt-cache"),
                    });
                    options.AppendExecutionProvider_Tensorrt(trt);
                }
                break;
            default:
                throw new NotSupportedException($"provider {provider} cannot be appended");
        }
    }
}
