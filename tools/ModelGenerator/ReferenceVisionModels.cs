using Onnx;
using static StreamVision.ModelGenerator.OnnxGraphBuilder;

namespace StreamVision.ModelGenerator;

/// <summary>
/// The reference VideoLLM's vision side, split like the contract: a vision encoder
/// (<c>pixel_values</c> [1,3,32,32] RGB, (x/255 − 0.5)/0.5 → <c>image_features</c> [1,16,16]: 8×8
/// average pooling into 16 patches, a linear map and tanh) and a query-former projector
/// (<c>image_features</c> → <c>visual_embeds</c> [1,4,32]: 4 learned queries attend over the patches,
/// then a linear map to the LLM's hidden size). Real computations on the image with fixed seeded
/// weights, so different frames give different visual tokens.
/// </summary>
public static class ReferenceVisionModels
{
    public const string EncoderFile = "reference_vision_encoder.onnx";
    public const string ProjectorFile = "reference_projector.onnx";
    public const int ImageSize = 32;
    public const int Patches = 16;
    public const int FeatureDim = 16;
    public const int TokensPerFrame = 4;

    private static float[] Weights(Random random, int count, float scale) => Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();

    public static byte[] BuildEncoder()
    {
        var random = new Random(32);
        var graph = new GraphProto { Name = "reference_vision_encoder" };
        graph.Input.Add(FloatTensor("pixel_values", N, 3, ImageSize, ImageSize));
        graph.Output.Add(FloatTensor("image_features", N, Patches, FeatureDim));
        graph.Initializer.Add(Int64Initializer("patch_shape", 0, 3, Patches));
        graph.Initializer.Add(Initializer("patch_weights", [3, FeatureDim], Weights(random, 3 * FeatureDim, 1.5f)));
        graph.Initializer.Add(Initializer("patch_bias", [FeatureDim], Weights(random, FeatureDim, 0.2f)));
        graph.Node.Add(Node("AveragePool", ["pixel_values"], ["pooled"], Ints("kernel_shape", 8, 8), Ints("strides", 8, 8)));
        graph.Node.Add(Node("Reshape", ["pooled", "patch_shape"], ["patches_by_channel"]));
        graph.Node.Add(Node("Transpose", ["patches_by_channel"], ["patches"], Ints("perm", 0, 2, 1)));
        graph.Node.Add(Node("MatMul", ["patches", "patch_weights"], ["projected"]));
        graph.Node.Add(Node("Add", ["projected", "patch_bias"], ["biased"]));
        graph.Node.Add(Node("Tanh", ["biased"], ["image_features"]));
        return Serialize(graph, "streamvision-reference-models");
    }

    public static byte[] BuildProjector()
    {
        var random = new Random(33);
        var graph = new GraphProto { Name = "reference_projector" };
        graph.Input.Add(FloatTensor("image_features", N, Patches, FeatureDim));
        graph.Output.Add(FloatTensor("visual_embeds", N, TokensPerFrame, ReferenceDecoderModel.Hidden));
        graph.Initializer.Add(Initializer("queries", [TokensPerFrame, FeatureDim], Weights(random, TokensPerFrame * FeatureDim, 2f)));
        graph.Initializer.Add(Initializer("output_weights", [FeatureDim, ReferenceDecoderModel.Hidden], Weights(random, FeatureDim * ReferenceDecoderModel.Hidden, 1f)));
        graph.Node.Add(Node("Transpose", ["image_features"], ["features_t"], Ints("perm", 0, 2, 1)));
        graph.Node.Add(Node("MatMul", ["queries", "features_t"], ["scores"]));
        graph.Node.Add(Node("Softmax", ["scores"], ["weights"], Int("axis", -1)));
        graph.Node.Add(Node("MatMul", ["weights", "image_features"], ["pooled"]));
        graph.Node.Add(Node("MatMul", ["pooled", "output_weights"], ["visual_embeds"]));
        return Serialize(graph, "streamvision-reference-models");
    }
}
