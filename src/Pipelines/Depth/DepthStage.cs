using System.Buffers;
using System.Diagnostics;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Preprocessing;

namespace StreamVision.Pipelines.Depth;

/// <summary>Monocular depth with a depth-contract model (Depth-Anything-V2 style, or metric).</summary>
public sealed class DepthStageFactory(OnnxModel model) : OnnxStageFactory(model, "depth", StageName)
{
    public const string StageName = "depth";

    public override IFrameStage Create(string cameraId) => new DepthStage(Model);
}

internal sealed class DepthStage(OnnxModel model) : IFrameStage
{
    private readonly ModelBuffers _buffers = model.CreateBuffers();
    private readonly TensorPreprocessor _preprocessor = new(model.Manifest.Input);
    private readonly float[] _sorted = new float[model.Manifest.Output.PlaneSize.Height * model.Manifest.Output.PlaneSize.Width];

    public StageResult Process(Frame frame)
    {
        var started = Stopwatch.GetTimestamp();
        if (frame.Discontinuity)
        {
            _buffers.ResetState(); // the camera's stream started over: so does the model's memory
        }
        _preprocessor.Run(frame, _buffers.Input);
        model.Run(_buffers);
        var (height, width) = model.Manifest.Output.PlaneSize;
        var count = width * height;
        var metric = model.Manifest.Output.Meaning == OutputMeaning.MetricDepth;
        var scale = metric ? (float)model.Manifest.Output.DepthScale : 1f;
        var values = ArrayPool<float>.Shared.Rent(count);
        for (var i = 0; i < count; i++)
        {
            values[i] = _buffers.Output[i] * scale;
        }
        values.AsSpan(0, count).CopyTo(_sorted);
        Array.Sort(_sorted);
        return new DepthResult(values, width, height)
        {
            Metric = metric,
            Min = _sorted[0],
            Median = count % 2 == 1 ? _sorted[count / 2] : (_sorted[count / 2 - 1] + _sorted[count / 2]) / 2,
            Max = _sorted[count - 1],
            Nearest = Thirds(values.AsSpan(0, count), width, height, metric),
            CameraId = frame.CameraId,
            Sequence = frame.Sequence,
            Pts = frame.Pts,
            CaptureTime = frame.CaptureTime,
            Stage = DepthStageFactory.StageName,
            ModelId = model.Id,
            ProcessingTime = Stopwatch.GetElapsedTime(started),
            CompletedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>Nearest per column third: the largest inverse depth, or the smallest distance.</summary>
    internal static ThirdsNearest Thirds(ReadOnlySpan<float> values, int width, int height, bool metric)
    {
        Span<float> nearest = [metric ? float.MaxValue : float.MinValue, metric ? float.MaxValue : float.MinValue, metric ? float.MaxValue : float.MinValue];
        for (var y = 0; y < height; y++)
        {
            var row = values.Slice(y * width, width);
            for (var x = 0; x < width; x++)
            {
                var third = Math.Min(2, x * 3 / width);
                var v = row[x];
                nearest[third] = metric ? Math.Min(nearest[third], v) : Math.Max(nearest[third], v);
            }
        }
        return new ThirdsNearest(nearest[0], nearest[1], nearest[2]);
    }

    public void Dispose() => _buffers.Dispose();
}
