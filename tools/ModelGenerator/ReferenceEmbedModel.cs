using Onnx;
using static StreamVision.ModelGenerator.OnnxGraphBuilder;

namespace StreamVision.ModelGenerator;

/// <summary>
/// The token-embedding model of the reference LLM, with the contract of SmolVLM's
/// <c>embed_tokens.onnx</c>: <c>input_ids</c> int64 [batch, sequence] → <c>inputs_embeds</c>
/// [batch, sequence, hidden]. A fixed pseudo-random table, the partner of <see cref="ReferenceDecoderModel"/>.
/// </summary>
public static class ReferenceEmbedModel
{
    public const string Id = "reference_llm_embed";
    public const string FileName = "reference_llm_embed.onnx";

    public static byte[] Build()
    {
        var random = new Random(1127);
        var table = Enumerable.Range(0, ReferenceDecoderModel.Vocab * ReferenceDecoderModel.Hidden).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var graph = new GraphProto { Name = Id };
        graph.Input.Add(Tensor("input_ids", TensorProto.Types.DataType.Int64, "batch", "sequence"));
        graph.Output.Add(Tensor("inputs_embeds", TensorProto.Types.DataType.Float, "batch", "sequence", ReferenceDecoderModel.Hidden));
        graph.Initializer.Add(Initializer("embedding_table", [ReferenceDecoderModel.Vocab, ReferenceDecoderModel.Hidden], table));
        graph.Node.Add(Node("Gather", ["embedding_table", "input_ids"], ["inputs_embeds"]));
        return Serialize(graph, "streamvision-reference-models");
    }
}
