using System.Buffers;
using System.Diagnostics;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Preprocessing;

namespace StreamVision.Pipelines.Segmentation;

/// <summary>Semantic segmentation with any model described by a segmentation manifest. One session
/// is shared by all cameras; each camera gets its own tensors and pre-processor.</summary>
public sealed class SegmentationStageFactory(OnnxModel model) : OnnxStageFactory(model, "segmentation", StageName)
{
    public const string StageName = "segmentation";

    public override IFrameStage Create(string cameraId) => new SegmentationStage(Model);
}

internal sealed class SegmentationStage : IFrameStage
{
    private readonly OnnxModel _model;
    private readonly ModelBuffers _buffers;
    private readonly TensorPreprocessor _preprocessor;
    private readonly SegmentationDecoder _decoder;
    private readonly long[] _counts;
    private readonly string[] _classNames;

    public SegmentationStage(OnnxModel model)
    {
        _model = model;
        _buffers = model.CreateBuffers();
        _preprocessor = new TensorPreprocessor(model.Manifest.Input);
        _classNames = model.Manifest.Classes.Select(c => c.Name).ToArray();
        _decoder = new SegmentationDecoder(model.Manifest.Output, _classNames.Length);
        _counts = new long[_classNames.Length];
    }

    public StageResult Process(Frame frame)
    {
        var started = Stopwatch.GetTimestamp();
        if (frame.Discontinuity)
        {
            _buffers.ResetState(); // the camera's stream started over: so does the model's memory
        }
        _preprocessor.Run(frame, _buffers.Input);
        _model.Run(_buffers);
        var pixels = _decoder.Width * _decoder.Height;
        var mask = ArrayPool<byte>.Shared.Rent(pixels);
        _decoder.Decode(_buffers.Output, mask, _counts);
        var fractions = new double[_counts.Length];
        for (var c = 0; c < fractions.Length; c++)
        {
            fractions[c] = (double)_counts[c] / pixels;
        }
        return new SegmentationResult(mask, _decoder.Width, _decoder.Height, fractions, _classNames)
        {
            CameraId = frame.CameraId,
            Sequence = frame.Sequence,
            Pts = frame.Pts,
            CaptureTime = frame.CaptureTime,
            Stage = SegmentationStageFactory.StageName,
            ModelId = _model.Id,
            ProcessingTime = Stopwatch.GetElapsedTime(started),
            CompletedAt = DateTimeOffset.UtcNow,
        };
    }

    public void Dispose() => _buffers.Dispose();
}
