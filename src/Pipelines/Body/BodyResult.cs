using StreamVision.Pipelines.Graph;

namespace StreamVision.Pipelines.Body;

/// <summary>One person's body parameters (SMPL-X convention) as the model gave them.</summary>
/// <param name="Slot">The model's person slot.</param>
/// <param name="Rotmats">Joint rotation matrices, row-major 3×3 each, global orientation first.</param>
public sealed record BodyPerson(int Slot, float Score, float[] Rotmats, float[] Betas, float[] Translation, float[] Expression)
{
    public int Joints => Rotmats.Length / 9;
}

/// <summary>Persons above the score threshold, and the camera pose when the model gives one.</summary>
public sealed class BodyResult : StageResult
{
    public required IReadOnlyList<BodyPerson> Persons { get; init; }

    /// <summary>Translation (3) then rotation quaternion (4), as the model gives them; empty if the model has no camera head.</summary>
    public required float[] CameraPose { get; init; }
}
