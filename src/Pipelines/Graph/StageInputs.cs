namespace StreamVision.Pipelines.Graph;

/// <summary>The results a consuming stage is given for one frame, one per producer it declared (in
/// <see cref="IStageFactory.Consumes"/> order); a producer that gave none for this frame (it skipped or
/// dropped it, or had nothing to say) is missing.</summary>
public sealed class StageInputs(IReadOnlyList<string> producers, StageResult?[] results)
{
    /// <summary>The frame's results; the runner reuses one instance for all frames.</summary>
    internal StageResult?[] Current { get => results; set => results = value; }

    /// <summary>The result of <paramref name="producer"/> for this frame, if it gave one of type <typeparamref name="T"/>.</summary>
    public T? Of<T>(string producer) where T : StageResult
    {
        for (var i = 0; i < producers.Count; i++)
        {
            if (producers[i] == producer)
            {
                return results[i] as T;
            }
        }
        throw new ArgumentException($"this stage does not consume '{producer}' (it consumes {string.Join(", ", producers)}).", nameof(producer));
    }
}
