using StreamVision.Ingest.Frames;

namespace StreamVision.Pipelines.Graph;

/// <summary>One stage's work on one camera's frames. Instances are per camera (they keep per-camera
/// buffers and, for recurrent models, state) and share heavy things such as sessions through their
/// <see cref="IStageFactory"/>.</summary>
public interface IFrameStage : IDisposable
{
    /// <summary>Computes the result for <paramref name="frame"/>, or null when this frame yields none
    /// (e.g. the VideoLLM between narrations). The frame stays owned by the caller.</summary>
    StageResult? Process(Frame frame);

    /// <summary>The camera's stream has ended (a file's end, the camera removed, the service
    /// stopping): a last result, e.g. the events that end with the stream, or null.</summary>
    StageResult? Finish() => null;
}

/// <summary>A stage that consumes other stages' results for the same frame (see
/// <see cref="IStageFactory.Consumes"/>); it is given the frame too, e.g. to crop a snapshot.</summary>
public interface IConsumingStage : IFrameStage
{
    /// <summary>Computes the result for <paramref name="frame"/> from its producers' results.</summary>
    StageResult? Process(Frame frame, StageInputs inputs);
}

/// <summary>Makes a stage instance per camera; owns what the instances share.</summary>
public interface IStageFactory : IDisposable
{
    /// <summary>Stage name, as used in topics, files and stats (e.g. "segmentation").</summary>
    string Name { get; }

    /// <summary>Id of the model that runs in this stage.</summary>
    string ModelId { get; }

    /// <summary>Where the stage's model runs ("cpu", "cuda", "tensorrt").</summary>
    string Provider { get; }

    IFrameStage Create(string cameraId);

    /// <summary>Stages whose results for the same frame this stage consumes (its instances are then
    /// <see cref="IConsumingStage"/>s fed by those stages, not by the camera). Empty: fed by the camera.</summary>
    IReadOnlyList<string> Consumes => [];
}
