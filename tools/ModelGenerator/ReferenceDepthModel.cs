namespace StreamVision.ModelGenerator;

/// <summary>
/// A test model with the Depth-Anything-V2 tensor contract: input <c>pixel_values</c> float32
/// [1,3,98,182] (sides multiples of 14, RGB/255 then ImageNet mean/std), output
/// <c>predicted_depth</c> float32 [1,98,182] relative inverse depth. Its output is a known ramp,
/// 1 at the left edge to 2 at the right edge (the right side is "nearer"), so post-processing
/// (16-bit encoding, statistics, nearest obstacle per third) can be checked exactly. The image
/// still flows through the graph (a channel mean times zero), so the input contract is exercised.
/// </summary>
public static class ReferenceDepthModel
{
    public const string Id = "reference_depth_ramp";
    public const string FileName = "reference_depth_ramp.onnx";
    public const int Height = 98;
    public const int Width = 182;

    /// <summary>The value the model outputs at column <paramref name="x"/> (every row alike).</summary>
    public static float RampAt(int x) => 1f + (float)x / (Width - 1);

    /// <summary>The whole output map, row-major.</summary>
    internal static float[] Ramp()
    {
        var ramp = new float[Height * Width];
        for (var y = 0; y < Height; y++)
        {
            for (var x = 0; x < Width; x++)
            {
                ramp[y * Width + x] = RampAt(x);
            }
        }
        return ramp;
    }

    public static byte[] Build()
    {
        var ramp = Ramp();
        var graph = new Onnx.GraphProto { Name = Id };
        graph.Input.Add(OnnxGraphBuilder.FloatTensor("pixel_values", OnnxGraphBuilder.N, 3, Height, Width));
        graph.Output.Add(OnnxGraphBuilder.FloatTensor("predicted_depth", OnnxGraphBuilder.N, Height, Width));
        graph.Initializer.Add(OnnxGraphBuilder.Initializer("zero", [1], [0f]));
        graph.Initializer.Add(OnnxGraphBuilder.Initializer("ramp", [1, Height, Width], ramp));
        graph.Node.Add(OnnxGraphBuilder.Node("ReduceMean", ["pixel_values"], ["channel_mean"], OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 0)));
        graph.Node.Add(OnnxGraphBuilder.Node("Mul", ["channel_mean", "zero"], ["silenced"]));
        graph.Node.Add(OnnxGraphBuilder.Node("Add", ["silenced", "ramp"], ["predicted_depth"]));
        return OnnxGraphBuilder.Serialize(graph, "streamvision-reference-models");
    }

}
