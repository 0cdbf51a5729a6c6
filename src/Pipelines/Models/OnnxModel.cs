using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace StreamVision.Pipelines.Models;

/// <summary>
/// One ONNX Runtime session for one model, shared by every camera that uses it (Run is thread-safe).
/// Loading checks the graph against the manifest, so a wrong file or a wrong manifest fails at start
/// with a message that names the tensor and both shapes, never later as garbage results.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();

    private OnnxModel(ModelManifest manifest, string modelPath, InferenceSession session, ProviderChoice provider)
    {
        Manifest = manifest;
        ModelPath = modelPath;
        _session = session;
        Provider = provider;
    }

    /// <summary>The execution provider the session runs on, and any that were asked for but unavailable.</summary>
    public ProviderChoice Provider { get; }

    public ModelManifest Manifest { get; }
    public string ModelPath { get; }
    public string Id => Manifest.Id;

    /// <summary>Graph inputs and outputs as ONNX Runtime reports them, for display.</summary>
    public IReadOnlyDictionary<string, NodeMetadata> GraphInputs => _session.InputMetadata;
    public IReadOnlyDictionary<string, NodeMetadata> GraphOutputs => _session.OutputMetadata;

    public static OnnxModel Load(ModelManifest manifest, IEnumerable<string> searchPaths, int intraOpThreads = 0, IReadOnlyList<ExecutionProvider>? providers = null)
    {
        var path = ManifestLoader.ResolveModelFile(manifest, searchPaths);
        InferenceSession session;
        ProviderChoice provider;
        try
        {
            using var options = new SessionOptions
            {
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                IntraOpNumThreads = intraOpThreads,
                InterOpNumThreads = 1,
            };
            provider = ExecutionProviderSelector.Configure(options, providers ?? [ExecutionProvider.Cpu]);
            session = new InferenceSession(path, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelContractException($"model '{manifest.Id}': '{path}' is not a loadable ONNX model ({e.Message.Trim()}). Re-download it and compare its SHA-256 with the manifest.", e);
        }
        try
        {
            CheckTensor(manifest, "input", manifest.Input.Name, manifest.Input.Shape, session.InputMetadata);
            if (manifest.Input.PairName is { } pair)
            {
                CheckTensor(manifest, "input", pair, manifest.Input.Shape, session.InputMetadata);
            }
            CheckTensor(manifest, "output", manifest.Output.Name, manifest.Output.Shape, session.OutputMetadata);
            foreach (var state in manifest.State)
            {
                CheckTensor(manifest, "input", state.Input, state.Shape, session.InputMetadata);
                CheckTensor(manifest, "output", state.Output, state.Shape, session.OutputMetadata);
            }
        }
        catch
        {
            session.Dispose();
            throw;
        }
        var model = new OnnxModel(manifest, path, session, provider);
        model.WarmUp();
        return model;
    }

    // The first Run allocates arenas and picks kernels; doing it at load keeps that cost (tens to
    // hundreds of ms) out of the first frames' latency and out of the live drop counts.
    private void WarmUp()
    {
        using var buffers = CreateBuffers();
        Run(buffers);
    }

    private static void CheckTensor(ModelManifest manifest, string role, string name, IReadOnlyList<long> expected, IReadOnlyDictionary<string, NodeMetadata> graph)
    {
        if (!graph.TryGetValue(name, out var meta))
        {
            throw new ModelContractException(
                $"model '{manifest.Id}': the manifest's {role} tensor '{name}' is not in the graph; the graph's {role}s are {Describe(graph)}. Fix '{role}.name' in {manifest.SourcePath}.");
        }
        if (!meta.IsTensor || meta.ElementDataType != TensorElementType.Float)
        {
            throw new ModelContractException(
                $"model '{manifest.Id}': {role} tensor '{name}' expected float32 {Shape(expected)}, graph has {Describe(meta)}.");
        }
        var dims = meta.Dimensions;
        var matches = dims.Length == expected.Count && dims.Select((d, i) => d < 0 || d == expected[i]).All(x => x);
        if (!matches)
        {
            throw new ModelContractException(
                $"model '{manifest.Id}': {role} tensor '{name}' expected float32 {Shape(expected)}, graph has {Describe(meta)}. " +
                $"Fix '{role}.shape' (and '{role}.layout') in {manifest.SourcePath}, or use the model file the manifest was written for.");
        }
    }

    private static string Shape(IEnumerable<long> dims) => $"[{string.Join(",", dims)}]";

    private static string Describe(NodeMetadata meta)
        => meta.IsTensor ? $"{TypeName(meta.ElementDataType)} [{string.Join(",", meta.Dimensions.Select((d, i) => d < 0 ? (meta.SymbolicDimensions.ElementAtOrDefault(i) is { Length: > 0 } s ? s : "?") : d.ToString()))}]" : meta.OnnxValueType.ToString();

    private static string Describe(IReadOnlyDictionary<string, NodeMetadata> graph)
        => string.Join("; ", graph.Select(kv => $"'{kv.Key}' {Describe(kv.Value)}"));

    private static string TypeName(TensorElementType type) => type switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Float16 => "float16",
        TensorElementType.UInt8 => "uint8",
        TensorElementType.Int64 => "int64",
        _ => type.ToString().ToLowerInvariant(),
    };

    /// <summary>Per-caller tensors: each camera's stage gets its own so runs can overlap.</summary>
    public ModelBuffers CreateBuffers() => new(Manifest);

    /// <summary>Runs the model on <paramref name="buffers"/>.Input, writing into .Output, and carries
    /// recurrent state to the next run; allocates nothing.</summary>
    public void Run(ModelBuffers buffers)
    {
        _session.Run(_runOptions, buffers.InputNames, buffers.InputValues, buffers.OutputNames, buffers.OutputValues);
        buffers.CarryState();
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}

/// <summary>Input and output tensors allocated once and pinned for the lifetime of a stage.</summary>
public sealed class ModelBuffers : IDisposable
{
    internal ModelBuffers(ModelManifest manifest)
    {
        var inputLength = manifest.Input.Shape.Aggregate(1L, (a, b) => a * b);
        Input = new float[inputLength];
        Output = new float[manifest.Output.Shape.Aggregate(1L, (a, b) => a * b)];
        var inputNames = new List<string> { manifest.Input.Name };
        var inputValues = new List<OrtValue> { OrtValue.CreateTensorValueFromMemory(Input, manifest.Input.Shape.ToArray()) };
        var outputNames = new List<string> { manifest.Output.Name };
        var outputValues = new List<OrtValue> { OrtValue.CreateTensorValueFromMemory(Output, manifest.Output.Shape.ToArray()) };
        Second = [];
        if (manifest.Input.PairName is { } pair)
        {
            Second = new float[inputLength];
            inputNames.Add(pair);
            inputValues.Add(OrtValue.CreateTensorValueFromMemory(Second, manifest.Input.Shape.ToArray()));
        }
        foreach (var state in manifest.State)
        {
            var length = state.Shape.Aggregate(1L, (a, b) => a * b);
            var (stateIn, stateOut) = (new float[length], new float[length]);
            _state.Add((stateIn, stateOut));
            inputNames.Add(state.Input);
            inputValues.Add(OrtValue.CreateTensorValueFromMemory(stateIn, state.Shape.ToArray()));
            outputNames.Add(state.Output);
            outputValues.Add(OrtValue.CreateTensorValueFromMemory(stateOut, state.Shape.ToArray()));
        }
        InputNames = inputNames.ToArray();
        InputValues = inputValues.ToArray();
        OutputNames = outputNames.ToArray();
        OutputValues = outputValues.ToArray();
    }

    private readonly List<(float[] In, float[] Out)> _state = new();

    /// <summary>True when the model carries recurrent state between frames.</summary>
    public bool HasState => _state.Count > 0;

    internal void CarryState()
    {
        foreach (var (stateIn, stateOut) in _state)
        {
            stateOut.CopyTo(stateIn, 0);
        }
    }

    /// <summary>Starts the recurrent state over (zeros), e.g. after the camera reconnected.</summary>
    public void ResetState()
    {
        foreach (var (stateIn, _) in _state)
        {
            Array.Clear(stateIn);
        }
    }

    public float[] Input { get; }

    /// <summary>The second input of a two-frame model (empty otherwise).</summary>
    public float[] Second { get; }

    public float[] Output { get; }
    internal string[] InputNames { get; }
    internal string[] OutputNames { get; }
    internal OrtValue[] InputValues { get; }
    internal OrtValue[] OutputValues { get; }

    public void Dispose()
    {
        foreach (var value in InputValues.Concat(OutputValues))
        {
            value.Dispose();
        }
    }
}
