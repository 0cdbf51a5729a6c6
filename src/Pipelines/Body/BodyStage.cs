using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Graph;
using StreamVision.Pipelines.Models;

namespace StreamVision.Pipelines.Body;

/// <summary>Human reconstruction with a body-model contract (<see cref="BodyContract"/>). The model's
/// recurrent state (its memory of the scene and the people in it) is carried per camera and starts
/// over when the camera's stream does.</summary>
public sealed class BodyStageFactory(OnnxModel model, float scoreThreshold) : OnnxStageFactory(model, "body", StageName)
{
    public const string StageName = "body";

    public override IFrameStage Create(string cameraId) => new BodyStage(Model, scoreThreshold);
}

internal sealed class BodyStage(OnnxModel model, float scoreThreshold) : OnnxFrameStage(model, BodyStageFactory.StageName)
{
    private readonly bool _hasExpression = model.Manifest.Outputs.Any(o => o.Role == BodyContract.Expression);
    private readonly bool _hasCamera = model.Manifest.Outputs.Any(o => o.Role == BodyContract.CameraPose);

    protected override StageResult Decode(Frame frame)
    {
        var scores = Buffers.Output;
        var persons = new List<BodyPerson>();
        for (var slot = 0; slot < scores.Length; slot++)
        {
            if (scores[slot] < scoreThreshold)
            {
                continue;
            }
            persons.Add(new BodyPerson(slot, scores[slot],
                Slice(BodyContract.Rotmats, slot, scores.Length),
                Slice(BodyContract.Betas, slot, scores.Length),
                Slice(BodyContract.Translation, slot, scores.Length),
                _hasExpression ? Slice(BodyContract.Expression, slot, scores.Length) : []));
        }
        return new BodyResult
        {
            Persons = persons,
            CameraPose = _hasCamera ? (float[])Buffers.OutputOf(BodyContract.CameraPose).Clone() : [],
        };
    }

    /// <summary>Person <paramref name="slot"/>'s values of a [1, P, …] head.</summary>
    private float[] Slice(string role, int slot, int persons)
    {
        var all = Buffers.OutputOf(role);
        var per = all.Length / persons;
        return all.AsSpan(slot * per, per).ToArray();
    }
}
