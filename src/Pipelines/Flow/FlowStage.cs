using System.Diagnostics;
using OpenCvSharp;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Preprocessing;

namespace StreamVision.Pipelines.Flow;

/// <summary>
/// Optical flow between consecutive frames of a camera. Two engines: an ONNX two-frame model
/// (ReCoVEr / NeuFlow contracts: <c>image1</c>, <c>image2</c> → flow [1,2,H,W] in pixels), or a
/// built-in engine that needs no weights and starts from the previous field: Dense Inverse Search
/// (the default) or OpenCV's Farneback flow.
/// Each camera keeps its previous frame, so the first frame of a camera — and the first after a
/// reconnect or loop (<see cref="Frame.Discontinuity"/>) — has no flow.
/// </summary>
public sealed class FlowStageFactory : IStageFactory
{
    public const string StageName = "flow";
    private readonly OnnxModel? _model;
    private readonly FlowSettings _settings;

    /// <param name="model">A flow-contract model, or null for a built-in engine (<see cref="FlowSettings.Engine"/>).</param>
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
    public string ModelId => _model?.Id ?? $"{(_settings.Engine == BuiltInFlowEngine.Dis ? "dis" : "opencv_farneback")}_{_settings.Preset.ToString().ToLowerInvariant()}";
    public string Provider => _model?.Provider.Active.ToString().ToLowerInvariant() ?? "cpu";

    public IFrameStage Create(string cameraId) => _model is not null
        ? new OnnxFlowStage(_model, _settings)
        : _settings.Engine == BuiltInFlowEngine.Dis ? new DisFlowStage(_settings, ModelId) : new FarnebackFlowStage(_settings, ModelId);

    public void Dispose() => _model?.Dispose();
}

internal abstract class FlowStageBase(FlowSettings settings, string modelId, string engine) : IFrameStage
{
    protected FlowSettings Settings => settings;
    private readonly ContinuityWatch _continuity = new();

    /// <summary>The camera's stream started over at <paramref name="frame"/> (call once per frame).</summary>
    protected bool StartsOver(Frame frame) => _continuity.StartsOver(frame);

    protected abstract (int Width, int Height) FieldSize(Frame frame);

    /// <summary>Writes the field for <paramref name="frame"/> (vs the previous one); false if there is no previous frame.</summary>
    protected abstract bool Compute(Frame frame, Span<float> field);

    /// <summary>Mean uncertainty of the last computed field, for engines that estimate one.</summary>
    protected virtual float? Uncertainty => null;

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
            MeanUncertainty = hasPrevious ? Uncertainty : null,
        }.Describe<StageResult>(frame, FlowStageFactory.StageName, modelId, started);
    }

    public abstract void Dispose();
}

/// <summary>The built-in engines: flow between downscaled grey frames, seeded with the previous field.</summary>
internal abstract class GreyFlowStage(FlowSettings flowSettings, string modelId, string engine) : FlowStageBase(flowSettings, modelId, engine)
{
    private readonly Mat _small = new();
    private Mat _gray = new();
    private Mat _previous = new();
    private readonly Mat _flow = new();
    private bool _havePrevious;
    private bool _seedable;

    protected override (int Width, int Height) FieldSize(Frame frame)
    {
        var width = Math.Min(Settings.Width, frame.Width);
        return (width, Math.Max(1, (int)Math.Round((double)frame.Height * width / frame.Width)));
    }

    /// <summary>Flow from <paramref name="previous"/> to <paramref name="next"/> into <paramref name="flow"/>
    /// (CV_32FC2); <paramref name="seed"/> says the last field is a valid starting point.</summary>
    protected abstract void Calc(Mat previous, Mat next, Mat flow, bool seed);

    protected override bool Compute(Frame frame, Span<float> field)
    {
        var (width, height) = FieldSize(frame);
        Cv2.Resize(frame.Mat, _small, new Size(width, height), 0, 0, InterpolationFlags.Area);
        Cv2.CvtColor(_small, _gray, ColorConversionCodes.BGR2GRAY);
        if (!_havePrevious || StartsOver(frame))
        {
            (_previous, _gray) = (_gray, _previous);
            _havePrevious = true;
            _seedable = false; // a new sequence: do not seed with the old one's motion
            return false;
        }
        var seed = _seedable && _flow.Width == width && _flow.Height == height;
        Calc(_previous, _gray, _flow, seed);
        _seedable = true;
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

/// <summary>Dense Inverse Search (<see cref="DisOpticalFlow"/>): the default built-in engine.</summary>
internal sealed class DisFlowStage(FlowSettings flowSettings, string modelId) : GreyFlowStage(flowSettings, modelId, "dis")
{
    private readonly DisOpticalFlow _dis = new(flowSettings.Preset);

    protected override void Calc(Mat previous, Mat next, Mat flow, bool seed) => _dis.Calc(previous, next, flow, seed);

    public override void Dispose()
    {
        _dis.Dispose();
        base.Dispose();
    }
}

/// <summary>OpenCV's Farneback polynomial-expansion flow.</summary>
internal sealed class FarnebackFlowStage(FlowSettings flowSettings, string modelId) : GreyFlowStage(flowSettings, modelId, "farneback")
{
    protected override void Calc(Mat previous, Mat next, Mat flow, bool seed)
    {
        var (levels, window, iterations) = Settings.Preset switch
        {
            FlowPreset.Ultrafast => (2, 9, 1),
            FlowPreset.Fast => (3, 13, 2),
            _ => (4, 17, 3),
        };
        Cv2.CalcOpticalFlowFarneback(previous, next, flow, 0.5, levels, window, iterations, 5, 1.1, seed ? OpticalFlowFlags.UseInitialFlow : OpticalFlowFlags.None);
    }
}

/// <summary>A two-frame ONNX model; the previous frame's tensor is kept and shifted each frame.</summary>
internal sealed class OnnxFlowStage(OnnxModel model, FlowSettings settings) : FlowStageBase(settings, model.Id, "onnx")
{
    private readonly ModelBuffers _buffers = model.CreateBuffers();
    private readonly TensorPreprocessor _preprocessor = new(model.Manifest.Input);
    private readonly bool _hasUncertainty = model.Manifest.Outputs.Any(o => o.Role == "uncertainty");
    private bool _havePrevious;
    private float? _uncertainty;

    protected override float? Uncertainty => _uncertainty;

    protected override (int Width, int Height) FieldSize(Frame frame) => (model.Manifest.Output.PlaneSize.Width, model.Manifest.Output.PlaneSize.Height);

    protected override bool Compute(Frame frame, Span<float> field)
    {
        _preprocessor.Run(frame, _buffers.Second);
        if (!_havePrevious || StartsOver(frame))
        {
            _buffers.Second.CopyTo(_buffers.Input, 0);
            _havePrevious = true;
            return false;
        }
        model.Run(_buffers);
        _buffers.Second.CopyTo(_buffers.Input, 0);
        if (_hasUncertainty)
        {
            var values = _buffers.OutputOf("uncertainty");
            var sum = 0.0;
            foreach (var v in values)
            {
                sum += v;
            }
            _uncertainty = (float)(sum / values.Length);
        }
        // Output planes: dx for every pixel, then dy; the field is interleaved.
        var plane = field.Length / 2;
        for (var i = 0; i < plane; i++)
        {
            field[2 * i] = _buffers.Output[i];
            field[2 * i + 1] = _buffers.Output[plane + i];
        }
        return true;
    }

    public override void Dispose()
    {
        _buffers.Dispose();
        _preprocessor.Dispose();
    }
}
