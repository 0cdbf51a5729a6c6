using System.Diagnostics;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Models;
using StreamVision.Pipelines.Preprocessing;

namespace StreamVision.Pipelines.Graph;

/// <summary>A camera's instance of a stage that runs one ONNX model per frame: its own tensors and
/// pre-processor over the shared session, and the one sequence every such stage follows.</summary>
internal abstract class OnnxFrameStage(OnnxModel model, string stageName) : IFrameStage
{
    protected OnnxModel Model { get; } = model;
    protected ModelBuffers Buffers { get; } = model.CreateBuffers();
    protected TensorPreprocessor Preprocessor { get; } = new(model.Manifest.Input);
    private readonly ContinuityWatch _continuity = new();

    /// <summary>The frame being processed does not follow the previous one this stage saw (set before
    /// <see cref="PrepareInputs"/> and <see cref="Decode"/>).</summary>
    protected bool StartedOver { get; private set; }

    public StageResult Process(Frame frame)
    {
        var started = Stopwatch.GetTimestamp();
        StartedOver = _continuity.StartsOver(frame);
        if (StartedOver)
        {
            Buffers.ResetState(); // the camera's stream started over: so does the model's memory
        }
        Preprocessor.Run(frame, Buffers.Input);
        PrepareInputs(frame);
        Model.Run(Buffers);
        return Decode(frame).Describe<StageResult>(frame, stageName, Model.Id, started);
    }

    /// <summary>Fills inputs other than the image (e.g. camera pose) before the run.</summary>
    protected virtual void PrepareInputs(Frame frame)
    {
    }

    /// <summary>Turns <see cref="Buffers"/>.Output into this stage's result for <paramref name="frame"/>.</summary>
    protected abstract StageResult Decode(Frame frame);

    public void Dispose()
    {
        Buffers.Dispose();
        Preprocessor.Dispose();
    }
}
