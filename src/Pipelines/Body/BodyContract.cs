using StreamVision.Pipelines.Models;

namespace StreamVision.Pipelines.Body;

/// <summary>
/// The Human3R-style body-model contract: one image in (plus recurrent state), per person slot a
/// score (<c>output</c>, [1,P], meaning person_scores) and by role in <c>outputs</c>: <c>rotmats</c>
/// [1,P,J,3,3] (SMPL-X joint rotation matrices, global orientation first), <c>betas</c> [1,P,B]
/// (shape), <c>translation</c> [1,P,3] (metres, camera frame), optionally <c>expression</c> [1,P,E] and
/// <c>camera_pose</c> [1,7] (translation then rotation quaternion, as the model gives them).
/// </summary>
public static class BodyContract
{
    public const string Rotmats = "rotmats";
    public const string Betas = "betas";
    public const string Translation = "translation";
    public const string Expression = "expression";
    public const string CameraPose = "camera_pose";

    internal static void Validate(ModelManifest m, Action<bool, string> require)
    {
        var scores = m.Output.Shape;
        require(m.Output.Meaning == OutputMeaning.PersonScores, "a body model's 'output.meaning' must be person_scores (one score per person slot).");
        require(scores.Count == 2 && scores.All(d => d > 0), $"'output.shape' must be [1, persons], got [{string.Join(", ", scores)}].");
        var persons = scores.Count == 2 ? scores[1] : 0;
        OutputTensorSpec? Role(string role, bool required)
        {
            var spec = m.Outputs.FirstOrDefault(o => o.Role == role);
            require(spec is not null || !required, $"a body model needs an entry with 'role: {role}' in 'outputs'.");
            return spec;
        }
        var rotmats = Role(Rotmats, true)!;
        require(rotmats.Shape.Count == 5 && rotmats.Shape[1] == persons && rotmats.Shape[3] == 3 && rotmats.Shape[4] == 3,
            $"'outputs[rotmats].shape' must be [1, {persons}, joints, 3, 3], got [{string.Join(", ", rotmats.Shape)}].");
        foreach (var (role, required) in new[] { (Betas, true), (Translation, true), (Expression, false) })
        {
            if (Role(role, required) is { } spec)
            {
                require(spec.Shape.Count == 3 && spec.Shape[1] == persons && (role != Translation || spec.Shape[2] == 3),
                    $"'outputs[{role}].shape' must be [1, {persons}, {(role == Translation ? "3" : "n")}], got [{string.Join(", ", spec.Shape)}].");
            }
        }
        if (Role(CameraPose, false) is { } pose)
        {
            require(pose.Length == 7, $"'outputs[camera_pose].shape' must hold 7 values ([1, 7]), got [{string.Join(", ", pose.Shape)}].");
        }
    }
}
