using StreamVision.Pipelines.Models;

namespace StreamVision.Pipelines.Graph;

/// <summary>What every stage built on one ONNX model shares: the model (one session for all
/// cameras), the check that it was made for this stage's task, and its identity in results and metrics.</summary>
public abstract class OnnxStageFactory : IStageFactory
{
    protected OnnxStageFactory(OnnxModel model, string task, string stageName)
    {
        if (model.Manifest.Task != task)
        {
            throw new ModelContractException($"model '{model.Id}' is a {model.Manifest.Task} model; the {stageName} stage needs a {task} model.");
        }
        Model = model;
        Name = stageName;
    }

    public OnnxModel Model { get; }
    public string Name { get; }
    public string ModelId => Model.Id;
    public string Provider => Model.Provider.Active.ToString().ToLowerInvariant();

    public abstract IFrameStage Create(string cameraId);

    public void Dispose() => Model.Dispose();
}
