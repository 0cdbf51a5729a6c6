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

/// <summary>
/// Appends the preferred execution providers to a session's options in order, skipping (and
/// recording) any this machine cannot load — the CPU build of ONNX Runtime, no GPU, no driver — so
/// a config that asks for CUDA still runs, on the CPU, and says so. CPU is always the last resort.
/// </summary>
public static class ExecutionProviderSelector
{
    /// <param name="append">Appends one provider; throws when it is not available. Tests replace it
    /// to simulate a machine with a GPU.</param>
    public static ProviderChoice Configure(SessionOptions options, IReadOnlyList<ExecutionProvider> preference, int deviceId = 0,
        Action<SessionOptions, ExecutionProvider, int>? append = null)
    {
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
                append(options, provider, deviceId);
                return new ProviderChoice(provider, fallbacks);
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException or NotSupportedException)
            {
                fallbacks.Add($"{provider}: {e.Message.Trim()}");
            }
        }
        return new ProviderChoice(ExecutionProvider.Cpu, fallbacks);
    }

    private static void Append(SessionOptions options, ExecutionProvider provider, int deviceId)
    {
        switch (provider)
        {
            case ExecutionProvider.Cuda:
                options.AppendExecutionProvider_CUDA(deviceId);
                break;
            case ExecutionProvider.Tensorrt:
                options.AppendExecutionProvider_Tensorrt(deviceId);
                break;
            default:
                throw new NotSupportedException($"provider {provider} cannot be appended");
        }
    }
}
