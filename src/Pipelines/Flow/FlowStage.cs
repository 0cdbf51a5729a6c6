using System.Diagnostics;
using OpenCvSharp;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Preprocessing;

namespace StreamVision.Pipelines.Flow;

/// <summary>
/// Optical flow between consecutive frames of a camera. Two engines: an ONNX two-frame model
/// (ReCoVEr / NeuFlow contracts: <c>image1</c>, <c>image2</c> → flow [1,2,H,W] in pixels), or the
/// built-in OpenCV Farneback flow that needs no weights and starts from the previous field.
/// Each camera keeps its previous frame, so the first frame of a camera — and the first after a
/// reconnect or loop (<see cref="Frame.Discontinuity"/>) — has no flow.
/// </summary>
public sealed class FlowStageFactory : IStageFactory
{
    public const string StageName = "flow";
    private readonly OnnxModel? _model;
    private readonly FlowSettings _settings;

    /// <param name="model">A flow-contract model, or null for the built-in engine.</param>
    public FlowStageFactory(OnnxModel? model, FlowSettings settings)
    {
        if (model is not null && model.Manifest.Task != "flow")
        {
            throw new ModelContractException($"model '{model.Id}' is a {model.Manifest.Task} model; the flow stage needs a flow model.");
        }
        _model = model;
        _settings = settings;
    }

    public string Name => StageName;
    public string ModelId => _model?.Id ?? $"opencv_farneback_{_settings.Preset.ToString().ToLowerInvariant()}";
    public string Provider => _model?.Provider.Active.ToString().ToLowerInvariant() ?? "cpu";

    public IFrameStage Create(string cameraId) => _model is null ? new FarnebackFlowStage(_settings, ModelId) : new OnnxFlowStage(_model, _settings);

    public void Dispose() => _model?.Dispose();
}

internal abstract class FlowStageBase(FlowSettings settings, string modelId, string engine) : IFrameStage
{
    protected FlowSettings Settings => settings;

    protected abstract (int Width, int Height) FieldSize(Frame frame);

    /// <summary>Writes the field for <paramref name="frame"/> (vs the previous one); false if there is no previous frame.</summary>
    protected abstract bool Compute(Frame frame, Span<float> field);

    public StageResult Process(Frame frame)
    {
        var started = Stopwatch.GetTimestamp();
        var (width, height) = FieldSize(frame);
        var field = new PooledArray<float>(width * height * 2);
        var span = field.Span;
        var hasPrevious = Compute(frame, span);
        if (!hasPrevious)
        {
            span.Clear();
        }
        float scaleX = (float)frame.Width / width, scaleY = (float)frame.Height / height;
        return new FlowResult(field, width, height)
        {
            ScaleX = scaleX,
            ScaleY = scaleY,
            HasPrevious = hasPrevious,
            Summary = FlowStatistics.Compute(span, scaleX, scaleY, settings.MovingThreshold),
            Engine = engine,
        }.Describe<StageResult>(frame, FlowStageFactory.StageName, modelId, started);
    }

    public abstract void Dispose();
}

/// <summary>Farneback on downscaled grey frames; the previous field seeds the next computation.</summary>
internal sealed class FarnebackFlowStage(FlowSettings flowSettings, string modelId) : FlowStageBase(flowSettings, modelId, "farneback")
{
    private readonly Mat _small = new();
    private Mat _gray = new();
    private Mat _previous = new();
    private readonly Mat _flow = new();
    private bool _havePrevious;

    protected override (int Width, int Height) FieldSize(Frame frame)
    {
        var width = Math.Min(Settings.Width, frame.Width);
        return (width, Math.Max(1, (int)Math.Round((double)frame.Height * width / frame.Width)));
    }

    protected override bool Compute(Frame frame, Span<float> field)
    {
        var (width, height) = FieldSize(frame);
        Cv2.Resize(frame.Mat, _small, new Size(width, height), 0, 0, InterpolationFlags.Area);
        Cv2.CvtColor(_small, _gray, ColorConversionCodes.BGR2GRAY);
        if (!_havePrevious || frame.Discontinuity)
        {
            (_previous, _gray) = (_gray, _previous);
            _havePrevious = true;
            return false;
        }
        var (levels, window, iterations) = Settings.Preset switch
        {
            FlowPreset.Ultrafast => (2, 9, 1),
            FlowPreset.Fast => (3, 13, 2),
            _ => (4, 17, 3),
        };
        var flags = _flow.Empty() || _flow.Width != width || _flow.Height != height ? OpticalFlowFlags.None : OpticalFlowFlags.UseInitialFlow;
        Cv2.CalcOpticalFlowFarneback(_previous, _gray, _flow, 0.5, levels, window, iterations, 5, 1.1, flags);
        unsafe
        {
            new ReadOnlySpan<float>((void*)_flow.Data, width * height * 2).CopyTo(field);
        }
        (_previous, _gray) = (_gray, _previous);
        return true;
    }

    public override void Dispose()
    {
        _small.Dispose();
        _gray.Dispose();
        _previous.Dispose();
        _flow.Dispose();
    }
}

/// <summary>A two-frame ONNX model; the previous frame's tensor is kept and shifted each frame.</summary>
internal sealed class OnnxFlowStage(OnnxModel model, FlowSettings settings) : FlowStageBase(settings, model.Id, "onnx")
{
    private readonly ModelBuffers _buffers = model.CreateBuffers();
    private readonly TensorPreprocessor _preprocessor = new(model.Manifest.Input);
    private bool _havePrevious;

    protected override (int Width, int Height) FieldSize(Frame frame) => (model.Manifest.Output.PlaneSize.Width, model.Manifest.Output.PlaneSize.Height);

    protected override bool Compute(Frame frame, Span<float> field)
    {
        _preprocessor.Run(frame, _buffers.Second);
        if (!_havePrevious || frame.Discontinuity)
        {
            _buffers.Second.CopyTo(_buffers.Input, 0);
            _havePrevious = true;
            return false;
        }
        model.Run(_buffers);
        _buffers.Second.CopyTo(_buffers.Input, 0);
        // Output planes: dx for every pixel, then dy; the field is interleaved.
        var plane = field.Length / 2;
        for (var i = 0; i < plane; i++)
        {
            field[2 * i] = _buffers.Output[i];
            field[2 * i + 1] = _buffers.Output[plane + i];
        }
        return true;
    }

    public override void Dispose() => _buffers.Dispose();
}
