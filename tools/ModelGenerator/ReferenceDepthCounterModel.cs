namespace StreamVision.ModelGenerator;

/// <summary>
/// A stateful test model: the depth contract of <see cref="ReferenceDepthModel"/> plus a recurrent
/// state pair <c>state_in</c> → <c>state_out</c> ([1]) that counts frames. Its depth output is the ramp
/// plus the count, so a map's minimum is 1 + (frames since the state was last reset), which shows
/// exactly whether state is carried per camera and reset when the stream starts over.
/// </summary>
public static class ReferenceDepthCounterModel
{
    public const string Id = "reference_depth_counter";
    public const string FileName = "reference_depth_counter.onnx";

    public static byte[] Build()
    {
        const int h = ReferenceDepthModel.Height, w = ReferenceDepthModel.Width;
        var ramp = ReferenceDepthModel.Ramp();
        var graph = new Onnx.GraphProto { Name = Id };
        graph.Input.Add(OnnxGraphBuilder.FloatTensor("pixel_values", OnnxGraphBuilder.N, 3, h, w));
        graph.Input.Add(OnnxGraphBuilder.FloatTensor("state_in", OnnxGraphBuilder.N, 1, 1));
        graph.Output.Add(OnnxGraphBuilder.FloatTensor("predicted_depth", OnnxGraphBuilder.N, h, w));
        graph.Output.Add(OnnxGraphBuilder.FloatTensor("state_out", OnnxGraphBuilder.N, 1, 1));
        graph.Initializer.Add(OnnxGraphBuilder.Initializer("zero", [1], [0f]));
        graph.Initializer.Add(OnnxGraphBuilder.Initializer("one", [1], [1f]));
        graph.Initializer.Add(OnnxGraphBuilder.Initializer("ramp", [1, h, w], ramp));
        graph.Node.Add(OnnxGraphBuilder.Node("ReduceMean", ["pixel_values"], ["channel_mean"], OnnxGraphBuilder.Ints("axes", 1), OnnxGraphBuilder.Int("keepdims", 0)));
        graph.Node.Add(OnnxGraphBuilder.Node("Mul", ["channel_mean", "zero"], ["silenced"]));
        graph.Node.Add(OnnxGraphBuilder.Node("Add", ["silenced", "ramp"], ["ramp_image"]));
        graph.Node.Add(OnnxGraphBuilder.Node("Add", ["ramp_image", "state_in"], ["predicted_depth"]));
        graph.Node.Add(OnnxGraphBuilder.Node("Add", ["state_in", "one"], ["state_out"]));
        return OnnxGraphBuilder.Serialize(graph, "streamvision-reference-models");
    }

}
