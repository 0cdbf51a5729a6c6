using Google.Protobuf;
using Onnx;

namespace StreamVision.ModelGenerator;

/// <summary>Small helpers over the ONNX protobuf types (from OnnxSharp) for building deterministic
/// test models in code. Output bytes depend only on the inputs, so generated files are reproducible.</summary>
internal static class OnnxGraphBuilder
{
    private const int FloatType = (int)TensorProto.Types.DataType.Float;

    /// <summary>A dynamic batch axis (named "N") in <see cref="FloatTensor"/> shapes: generated models
    /// accept any batch, so one session can run several cameras' frames at once.</summary>
    public const long N = -1;

    public static ValueInfoProto FloatTensor(string name, params long[] shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var d in shape)
        {
            tensorShape.Dim.Add(d == N ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = FloatType, Shape = tensorShape } },
        };
    }

    public static TensorProto Initializer(string name, long[] shape, float[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = FloatType };
        tensor.Dims.AddRange(shape);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    /// <summary>A tensor whose dimensions are numbers or names (symbolic, e.g. "batch", "sequence").</summary>
    public static ValueInfoProto Tensor(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
        {
            shape.Dim.Add(d is string symbol ? new TensorShapeProto.Types.Dimension { DimParam = symbol } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture) });
        }
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    public static TensorProto ScalarInt64(string name, long value)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Int64Data.Add(value);
        return tensor;
    }

    public static TensorProto ScalarFloat(string name, float value)
    {
        var tensor = new TensorProto { Name = name, DataType = FloatType };
        tensor.FloatData.Add(value);
        return tensor;
    }

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static TensorProto Int64Initializer(string name, params long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        return tensor;
    }

    public static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{outputs[0]}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static byte[] Serialize(GraphProto graph, string producer, int opset = 13)
    {
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = producer,
            ProducerVersion = "1",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model.ToByteArray();
    }
}
