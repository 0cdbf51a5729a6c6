namespace StreamVision.ModelGenerator;

/// <summary>
/// The segmentation model the service runs when no trained model is installed: a per-pixel linear
/// classifier over RGB (MatMul + Add) that labels strongly red, green and blue pixels and calls
/// everything else background. With the synthetic camera (red disc, green square, blue bar on grey)
/// its output is known in advance, which makes it a real end-to-end check of pre-processing,
/// inference and post-processing rather than a stand-in.
/// Contract: input <c>image</c> float32 [1,256,256,3] NHWC RGB in 0..1; output <c>class_scores</c>
/// float32 [1,256,256,4] NHWC logits over {background, red, green, blue}.
/// </summary>
public static class ReferenceSegmentationModel
{
    public const string Id = "reference_color_segmentation";
    public const string FileName = "reference_color_segmentation.onnx";
    public const int Size = 256;
    public static readonly string[] Classes = ["background", "red", "green", "blue"];

    // Rows are input channels (R, G, B), columns are classes. A saturated colour scores about 2.5-3.5
    // on its own class; grey, white and black score 0 there, below background's constant 1.
    internal static readonly float[] Weights =
    [
        0, 4, -2, -2,
        0, -2, 4, -2,
        0, -2, -2, 4,
    ];

    internal static readonly float[] Bias = [1, 0, 0, 0];

    public static byte[] Build()
    {
        var graph = new Onnx.GraphProto { Name = Id };
        graph.Input.Add(OnnxGraphBuilder.FloatTensor("image", OnnxGraphBuilder.N, Size, Size, 3));
        graph.Output.Add(OnnxGraphBuilder.FloatTensor("class_scores", OnnxGraphBuilder.N, Size, Size, Classes.Length));
        graph.Initializer.Add(OnnxGraphBuilder.Initializer("weights", [3, Classes.Length], Weights));
        graph.Initializer.Add(OnnxGraphBuilder.Initializer("bias", [Classes.Length], Bias));
        graph.Node.Add(OnnxGraphBuilder.Node("MatMul", ["image", "weights"], ["projected"]));
        graph.Node.Add(OnnxGraphBuilder.Node("Add", ["projected", "bias"], ["class_scores"]));
        return OnnxGraphBuilder.Serialize(graph, "streamvision-reference-models");
    }

}
