namespace StreamVision.ModelGenerator;

/// <summary>
/// A test model with the ReCoVEr two-frame tensor contract: inputs <c>image1</c>, <c>image2</c>
/// float32 [1,3,64,96] (RGB 0..255), output <c>flow</c> float32 [1,2,64,96]. Whatever the frames,
/// every pixel moves by the same known shift (<see cref="Dx"/>, <see cref="Dy"/>), so flow
/// post-processing (scaling to the frame, summary, float16 payload) can be checked exactly. Both
/// images flow through the graph (their difference times zero), so the input contract is exercised.
/// ReCoVEr's optional uncertainty head is <c>uncertainty</c> [1,1,64,96], <see cref="Uncertainty"/> everywhere.
/// </summary>
public static class ReferenceFlowModel
{
    public const string Id = "reference_flow_shift";
    public const string FileName = "reference_flow_shift.onnx";
    public const int Height = 64;
    public const int Width = 96;
    public const float Dx = 3f;
    public const float Dy = -2f;

    /// <summary>The optional uncertainty head's value everywhere.</summary>
    public const float Uncertainty = 0.25f;

    public static byte[] Build()
    {
        var shift = new float[2 * Height * Width];
        Array.Fill(shift, Dx, 0, Height * Width);
        Array.Fill(shift, Dy, Height * Width, Height * Width);
        var graph = new Onnx.GraphProto { Name = Id };
        graph.Input.Add(OnnxGraphBuilder.FloatTensor("image1", OnnxGraphBuilder.N, 3, Height, Width));
        graph.Input.Add(OnnxGraphBuilder.FloatTensor("image2", OnnxGraphBuilder.N, 3, Height, Width));
        graph.Output.Add(OnnxGraphBuilder.FloatTensor("flow", OnnxGraphBuilder.N, 2, Height, Width));
        graph.Output.Add(OnnxGraphBuilder.FloatTensor("uncertainty", OnnxGraphBuilder.N, 1, Height, Width));
        graph.Initializer.Add(OnnxGraphBuilder.Initializer("zero", [1], [0f]));
        graph.Initializer.Add(OnnxGraphBuilder.Initializer("shift", [1, 2, Height, Width], shift));
        graph.Node.Add(OnnxGraphBuilder.Node("Sub", ["image2", "image1"], ["difference"]));
        graph.Node.Add(OnnxGraphBuilder.Node("ReduceMean", ["difference"], ["mean_difference"], OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 1)));
        graph.Node.Add(OnnxGraphBuilder.Node("Mul", ["mean_difference", "zero"], ["silenced"]));
        graph.Node.Add(OnnxGraphBuilder.Node("Add", ["silenced", "shift"], ["flow"]));
        graph.Initializer.Add(OnnxGraphBuilder.Initializer("uncertainty_value", [1], [Uncertainty]));
        graph.Node.Add(OnnxGraphBuilder.Node("Add", ["silenced", "uncertainty_value"], ["uncertainty"]));
        return OnnxGraphBuilder.Serialize(graph, "streamvision-reference-models");
    }

}
