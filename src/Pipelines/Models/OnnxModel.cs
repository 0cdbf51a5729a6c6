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
    private ModelBatcher? _batcher;

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

    /// <summary>Largest batch one run carries: 1 unless batching was asked for and the graph's batch axis is dynamic.</summary>
    public int MaxBatch { get; private set; } = 1;

    /// <summary>Why the model runs per frame although batching was asked for (null otherwise).</summary>
    public string? BatchingRefused { get; private set; }

    /// <summary>Batched runs and the frames they carried, when batching.</summary>
    public (long Runs, long Frames) BatchCounts => _batcher is null ? (0, 0) : (_batcher.Runs, _batcher.Frames);

    /// <summary>Why CUDA graphs were asked for but the model runs without them (null otherwise).</summary>
    public string? CudaGraphsRefused { get; private set; }

    /// <summary>True when every camera's tensors live on the GPU and runs replay a CUDA graph.</summary>
    public bool UsesCudaGraphs => _gpu is { CudaGraphs: true } && Provider.Active is ExecutionProvider.Cuda or ExecutionProvider.Tensorrt && _batcher is null;

    private GpuSettings? _gpu;

    public static OnnxModel Load(ModelManifest manifest, IEnumerable<string> searchPaths, int intraOpThreads = 0, IReadOnlyList<ExecutionProvider>? providers = null, BatchOptions? batch = null, GpuSettings? gpu = null)
    {
        try
        {
            return LoadOnce(manifest, searchPaths, intraOpThreads, providers, batch, gpu);
        }
        catch (Exception e) when (gpu is { CudaGraphs: true } && e is OnnxRuntimeException or InvalidOperationException)
        {
            // Graph capture needs static shapes and GPU-only nodes; not every model allows it.
            var model = LoadOnce(manifest, searchPaths, intraOpThreads, providers, batch, gpu with { CudaGraphs = false });
            model.CudaGraphsRefused = e.Message.Trim();
            return model;
        }
    }

    private static OnnxModel LoadOnce(ModelManifest manifest, IEnumerable<string> searchPaths, int intraOpThreads, IReadOnlyList<ExecutionProvider>? providers, BatchOptions? batch, GpuSettings? gpu)
    {
        var path = ManifestLoader.ResolveModelFile(manifest, searchPaths);
        InferenceSession session;
        ProviderChoice provider;
        try
        {
            using var options = SessionDefaults.Create(intraOpThreads);
            provider = ExecutionProviderSelector.Configure(options, providers ?? [ExecutionProvider.Cpu], gpu);
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
            foreach (var extra in manifest.Outputs)
            {
                CheckTensor(manifest, $"'{extra.Role}' output", extra.Name, extra.Shape, session.OutputMetadata, $"outputs[{extra.Role}]");
            }
            foreach (var (role, tensor) in manifest.PoseInputs?.Declared() ?? [])
            {
                CheckTensor(manifest, $"{role} input", tensor.Name, tensor.Shape, session.InputMetadata, $"pose_inputs.{role}");
            }
            foreach (var state in manifest.State)
            {
                CheckTensor(manifest, "state input", state.Input, state.Shape, session.InputMetadata, "state");
                CheckTensor(manifest, "state output", state.Output, state.Shape, session.OutputMetadata, "state");
            }
        }
        catch
        {
            session.Dispose();
            throw;
        }
        var model = new OnnxModel(manifest, path, session, provider) { _gpu = gpu };
        try
        {
            model.WarmUp();
            model.EnableBatching(batch ?? BatchOptions.None);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        return model;
    }

    // The first Run allocates arenas and picks kernels; doing it at load keeps that cost (tens to
    // hundreds of ms) out of the first frames' latency and out of the live drop counts.
    private void WarmUp()
    {
        using var buffers = CreateBuffers();
        Run(buffers);
    }

    private void EnableBatching(BatchOptions options)
    {
        if (options.MaxSize <= 1)
        {
            return;
        }
        var fixedTensors = _session.InputMetadata.Concat(_session.OutputMetadata)
            .Where(kv => kv.Value.IsTensor && kv.Value.Dimensions.Length > 0 && kv.Value.Dimensions[0] >= 0)
            .Select(kv => $"'{kv.Key}' (batch {kv.Value.Dimensions[0]})")
            .ToList();
        if (fixedTensors.Count > 0)
        {
            BatchingRefused = $"the graph fixes the batch axis of {string.Join(", ", fixedTensors)}; each frame runs on its own";
            return;
        }
        using var layout = new ModelBuffers(Manifest);
        _batcher = new ModelBatcher(_session, layout, options, Id);
        MaxBatch = options.MaxSize;
        // Warm the largest batch too: its first run allocates arenas sized for it.
        var warm = Enumerable.Range(0, options.MaxSize).Select(_ => CreateBuffers()).ToList();
        Parallel.ForEach(warm, new ParallelOptions { MaxDegreeOfParallelism = options.MaxSize }, Run);
        warm.ForEach(b => b.Dispose());
    }

    /// <param name="key">The manifest key to fix; defaults to <paramref name="role"/>.</param>
    private static void CheckTensor(ModelManifest manifest, string role, string name, IReadOnlyList<long> expected, IReadOnlyDictionary<string, NodeMetadata> graph, string? key = null)
    {
        key ??= role;
        if (!graph.TryGetValue(name, out var meta))
        {
            throw new ModelContractException(
                $"model '{manifest.Id}': the manifest's {role} tensor '{name}' is not in the graph; the graph has {Describe(graph)}. Fix '{key}' in {manifest.SourcePath}.");
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
                $"Fix the shape in '{key}'{(key is "input" or "output" ? $" (and '{key}.layout')" : "")} in {manifest.SourcePath}, or use the model file the manifest was written for.");
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
    public ModelBuffers CreateBuffers()
    {
        if (_batcher is { } batcher)
        {
            batcher.Attach();
            return new ModelBuffers(Manifest, batcher.Detach);
        }
        var buffers = new ModelBuffers(Manifest);
        buffers.Binding = UsesCudaGraphs ? new CudaGraphBinding(_session, buffers, _gpu!.DeviceId) : new ModelBinding(_session, buffers);
        return buffers;
    }

    /// <summary>Runs the model on <paramref name="buffers"/>' inputs, writing their outputs, and
    /// carries recurrent state to the next run; allocates nothing. With batching, the run may carry
    /// other cameras' frames too; the call returns when this caller's outputs are written.</summary>
    public void Run(ModelBuffers buffers)
    {
        if (_batcher is { } batcher)
        {
            batcher.Run(buffers);
            return;
        }
        buffers.Binding!.Run(_session, _runOptions);
        buffers.CarryState();
    }

    public void Dispose()
    {
        _batcher?.Dispose();
        _session.Dispose();
        _runOptions.Dispose();
    }
}
