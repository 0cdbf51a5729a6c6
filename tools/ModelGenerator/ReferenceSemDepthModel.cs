using static StreamVision.ModelGenerator.OnnxGraphBuilder;

namespace StreamVision.ModelGenerator;

/// <summary>
/// A test model with the Co-SemDepth tensor contract: input <c>image</c> float32 [N,96,160,3] NHWC
/// RGB in 0..1; pose inputs <c>rotation</c> [N,4] (w, x, y, z), <c>translation</c> [N,3],
/// <c>new_trajectory</c> [N,1], <c>intrinsics</c> [N,4] (fx, fy, cx, cy); recurrent
/// <c>state_in</c> → <c>state_out</c> [N,1]; outputs <c>semantic</c> [N,96,160,4] NHWC class scores
/// (the colour classifier of <see cref="ReferenceSegmentationModel"/>) and <c>depth</c> [N,96,160,1]
/// NHWC in metres. Depth is known in advance: a ramp from <see cref="Near"/> m (left) to
/// <see cref="Near"/>+1 m (right), plus the translation's x (the motion the model was fed), plus
/// the frames counted since the last new trajectory (the state, cleared when new_trajectory is 1).
/// Rotation and intrinsics flow through the graph times zero, so every input is exercised.
/// </summary>
public static class ReferenceSemDepthModel
{
    public const string Id = "reference_semdepth";
    public const string FileName = "reference_semdepth.onnx";
    public const int Height = 96;
    public const int Width = 160;
    public const float Near = 2f;

    /// <summary>Depth at column <paramref name="x"/> before motion and count are added.</summary>
    public static float RampAt(int x) => Near + (float)x / (Width - 1);

    public static byte[] Build()
    {
        var ramp = new float[Height * Width];
        for (var i = 0; i < ramp.Length; i++)
        {
            ramp[i] = RampAt(i % Width);
        }
        var graph = new Onnx.GraphProto { Name = Id };
        graph.Input.Add(FloatTensor("image", N, Height, Width, 3));
        graph.Input.Add(FloatTensor("rotation", N, 4));
        graph.Input.Add(FloatTensor("translation", N, 3));
        graph.Input.Add(FloatTensor("new_trajectory", N, 1));
        graph.Input.Add(FloatTensor("intrinsics", N, 4));
        graph.Input.Add(FloatTensor("state_in", N, 1));
        graph.Output.Add(FloatTensor("semantic", N, Height, Width, ReferenceSegmentationModel.Classes.Length));
        graph.Output.Add(FloatTensor("depth", N, Height, Width, 1));
        graph.Output.Add(FloatTensor("state_out", N, 1));
        graph.Initializer.Add(Initializer("weights", [3, ReferenceSegmentationModel.Classes.Length], ReferenceSegmentationModel.Weights));
        graph.Initializer.Add(Initializer("bias", [ReferenceSegmentationModel.Classes.Length], ReferenceSegmentationModel.Bias));
        graph.Initializer.Add(Initializer("zero", [1], [0f]));
        graph.Initializer.Add(Initializer("one", [1], [1f]));
        graph.Initializer.Add(Initializer("pick_x", [3, 1], [1f, 0f, 0f]));
        graph.Initializer.Add(Initializer("ramp", [1, Height, Width, 1], ramp));
        graph.Initializer.Add(Int64Initializer("per_image", -1, 1, 1, 1));
        // Segmentation head.
        graph.Node.Add(Node("MatMul", ["image", "weights"], ["projected"]));
        graph.Node.Add(Node("Add", ["projected", "bias"], ["semantic"]));
        // count = state_in × (1 − new_trajectory); state_out = count + 1.
        graph.Node.Add(Node("Sub", ["one", "new_trajectory"], ["keep"]));
        graph.Node.Add(Node("Mul", ["state_in", "keep"], ["count"]));
        graph.Node.Add(Node("Add", ["count", "one"], ["state_out"]));
        // offset = translation.x + count + 0 × mean(rotation, intrinsics), one value per image.
        graph.Node.Add(Node("MatMul", ["translation", "pick_x"], ["moved_x"]));
        graph.Node.Add(Node("ReduceMean", ["rotation"], ["rotation_sum"], Ints("axes", 1), Int("keepdims", 1)));
        graph.Node.Add(Node("ReduceMean", ["intrinsics"], ["intrinsics_sum"], Ints("axes", 1), Int("keepdims", 1)));
        graph.Node.Add(Node("Add", ["rotation_sum", "intrinsics_sum"], ["pose_sum"]));
        graph.Node.Add(Node("Mul", ["pose_sum", "zero"], ["pose_silenced"]));
        graph.Node.Add(Node("Add", ["moved_x", "count"], ["offset_sum"]));
        graph.Node.Add(Node("Add", ["offset_sum", "pose_silenced"], ["offset"]));
        graph.Node.Add(Node("Reshape", ["offset", "per_image"], ["offset_image"]));
        // depth = ramp + offset + 0 × image.
        graph.Node.Add(Node("ReduceMean", ["image"], ["image_mean"], Ints("axes", 3), Int("keepdims", 1)));
        graph.Node.Add(Node("Mul", ["image_mean", "zero"], ["image_silenced"]));
        graph.Node.Add(Node("Add", ["image_silenced", "ramp"], ["ramp_image"]));
        graph.Node.Add(Node("Add", ["ramp_image", "offset_image"], ["depth"]));
        return Serialize(graph, "streamvision-reference-models");
    }
}
