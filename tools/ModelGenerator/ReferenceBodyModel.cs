using static StreamVision.ModelGenerator.OnnxGraphBuilder;

namespace StreamVision.ModelGenerator;

/// <summary>
/// A test model with the Human3R-style body contract: input <c>image</c> float32 [N,3,64,64] RGB,
/// (x/255 − 0.5)/0.5; recurrent <c>state_in</c> → <c>state_out</c> [N,1] counting frames; per
/// person slot (2): <c>scores</c> [N,2] = (0.9, 0.2), <c>rotmats</c> [N,2,55,3,3] identity,
/// <c>betas</c> [N,2,10] = slot + k/10, <c>translation</c> [N,2,3] = (slot, 0, 2 + frames counted
/// before this one), <c>expression</c> [N,2,10] zeros, and <c>camera_pose</c> [N,7] =
/// (0, 0, 0, 1, 0, 0, 0). With a threshold of 0.5 exactly one person is published and its z tells
/// whether the state was carried and reset.
/// </summary>
public static class ReferenceBodyModel
{
    public const string Id = "reference_body";
    public const string FileName = "reference_body.onnx";
    public const int Size = 64;
    public const int Persons = 2;
    public const int Joints = 55;
    public const int Betas = 10;
    public static readonly float[] Scores = [0.9f, 0.2f];

    public static float BetaAt(int slot, int k) => slot + k / 10f;

    public static byte[] Build()
    {
        var rotmats = new float[Persons * Joints * 9];
        for (var j = 0; j < Persons * Joints; j++)
        {
            rotmats[j * 9] = rotmats[j * 9 + 4] = rotmats[j * 9 + 8] = 1f;
        }
        var betas = new float[Persons * Betas];
        for (var i = 0; i < betas.Length; i++)
        {
            betas[i] = BetaAt(i / Betas, i % Betas);
        }
        var graph = new Onnx.GraphProto { Name = Id };
        graph.Input.Add(FloatTensor("image", N, 3, Size, Size));
        graph.Input.Add(FloatTensor("state_in", N, 1));
        graph.Output.Add(FloatTensor("scores", N, Persons));
        graph.Output.Add(FloatTensor("rotmats", N, Persons, Joints, 3, 3));
        graph.Output.Add(FloatTensor("betas", N, Persons, Betas));
        graph.Output.Add(FloatTensor("translation", N, Persons, 3));
        graph.Output.Add(FloatTensor("expression", N, Persons, Betas));
        graph.Output.Add(FloatTensor("camera_pose", N, 7));
        graph.Output.Add(FloatTensor("state_out", N, 1));
        graph.Initializer.Add(Initializer("zero", [1], [0f]));
        graph.Initializer.Add(Initializer("one", [1], [1f]));
        graph.Initializer.Add(Initializer("score_values", [1, Persons], Scores));
        graph.Initializer.Add(Initializer("rotmat_values", [1, Persons, Joints, 3, 3], rotmats));
        graph.Initializer.Add(Initializer("beta_values", [1, Persons, Betas], betas));
        graph.Initializer.Add(Initializer("translation_base", [1, Persons, 3], [0, 0, 2, 1, 0, 2]));
        graph.Initializer.Add(Initializer("translation_count", [1, Persons, 3], [0, 0, 1, 0, 0, 1]));
        graph.Initializer.Add(Initializer("expression_values", [1, Persons, Betas], new float[Persons * Betas]));
        graph.Initializer.Add(Initializer("camera_values", [1, 7], [0, 0, 0, 1, 0, 0, 0]));
        graph.Initializer.Add(Int64Initializer("per_image_2d", -1, 1));
        graph.Initializer.Add(Int64Initializer("per_image_3d", -1, 1, 1));
        graph.Initializer.Add(Int64Initializer("per_image_5d", -1, 1, 1, 1, 1));
        // A zero per image that depends on the image, so each head has the batch's size.
        graph.Node.Add(Node("ReduceMean", ["image"], ["image_mean"], Ints("axes", 1, 2, 3), Int("keepdims", 0)));
        graph.Node.Add(Node("Mul", ["image_mean", "zero"], ["zero_per_image"]));
        graph.Node.Add(Node("Reshape", ["zero_per_image", "per_image_2d"], ["zero_2d"]));
        graph.Node.Add(Node("Reshape", ["zero_per_image", "per_image_3d"], ["zero_3d"]));
        graph.Node.Add(Node("Reshape", ["zero_per_image", "per_image_5d"], ["zero_5d"]));
        graph.Node.Add(Node("Add", ["zero_2d", "score_values"], ["scores"]));
        graph.Node.Add(Node("Add", ["zero_5d", "rotmat_values"], ["rotmats"]));
        graph.Node.Add(Node("Add", ["zero_3d", "beta_values"], ["betas"]));
        graph.Node.Add(Node("Add", ["zero_3d", "expression_values"], ["expression"]));
        graph.Node.Add(Node("Add", ["zero_2d", "camera_values"], ["camera_pose"]));
        // translation = base + count × (0, 0, 1); state_out = count + 1.
        graph.Node.Add(Node("Reshape", ["state_in", "per_image_3d"], ["count_3d"]));
        graph.Node.Add(Node("Mul", ["count_3d", "translation_count"], ["moved"]));
        graph.Node.Add(Node("Add", ["translation_base", "moved"], ["translation_sum"]));
        graph.Node.Add(Node("Add", ["translation_sum", "zero_3d"], ["translation"]));
        graph.Node.Add(Node("Add", ["state_in", "one"], ["state_out"]));
        return Serialize(graph, "streamvision-reference-models");
    }
}
