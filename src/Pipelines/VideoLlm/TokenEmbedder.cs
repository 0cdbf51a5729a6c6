using Microsoft.ML.OnnxRuntime;
using StreamVision.Pipelines.Models;

namespace StreamVision.Pipelines.VideoLlm;

/// <summary>The text-embedding model (SmolVLM's <c>embed_tokens</c>): token ids → input embeddings.</summary>
public sealed class TokenEmbedder(string modelPath, int hidden) : IDisposable
{
    private readonly InferenceSession _session = new(modelPath, SessionDefaults.Create());

    public int Hidden { get; } = hidden;

    /// <summary>[ids.Length, hidden] embeddings.</summary>
    public float[] Embed(ReadOnlySpan<long> ids)
    {
        using var input = OrtValue.CreateTensorValueFromMemory(ids.ToArray(), [1, ids.Length]);
        using var runOptions = new RunOptions();
        using var outputs = _session.Run(runOptions, ["input_ids"], [input], [_session.OutputNames[0]]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    public void Dispose() => _session.Dispose();
}
