using Microsoft.ML.OnnxRuntime;

namespace StreamVision.Pipelines.Models;

/// <summary>One graph tensor held by a caller: its name, shape (batch 1) and pinned values.</summary>
internal sealed record HeldTensor(string Name, long[] Shape, float[] Values);

/// <summary>
/// A caller's tensors for one model, allocated once and pinned for the lifetime of a stage: the
/// image input (and the second image of two-frame models), pose inputs by role, the primary output,
/// further outputs by role, and recurrent state pairs. Each camera's stage has its own, so runs of
/// different cameras never share memory.
/// </summary>
public sealed class ModelBuffers : IDisposable
{
    private readonly List<(float[] In, float[] Out)> _state = new();
    private readonly Dictionary<string, float[]> _poseInputs = new();
    private readonly Dictionary<string, float[]> _extraOutputs = new();

    private readonly Action? _onDispose;

    internal ModelBuffers(ModelManifest manifest, Action? onDispose = null)
    {
        _onDispose = onDispose;
        var inputs = new List<HeldTensor>();
        var outputs = new List<HeldTensor>();
        HeldTensor Add(List<HeldTensor> list, string name, IReadOnlyList<long> shape)
        {
            var tensor = new HeldTensor(name, shape.ToArray(), new float[shape.Aggregate(1L, (a, b) => a * b)]);
            list.Add(tensor);
            return tensor;
        }
        Input = Add(inputs, manifest.Input.Name, manifest.Input.Shape).Values;
        Second = manifest.Input.PairName is { } pair ? Add(inputs, pair, manifest.Input.Shape).Values : [];
        foreach (var (role, tensor) in manifest.PoseInputs?.Declared() ?? [])
        {
            _poseInputs[role] = Add(inputs, tensor.Name, tensor.Shape).Values;
        }
        Output = Add(outputs, manifest.Output.Name, manifest.Output.Shape).Values;
        foreach (var extra in manifest.Outputs)
        {
            _extraOutputs[extra.Role] = Add(outputs, extra.Name, extra.Shape).Values;
        }
        foreach (var state in manifest.State)
        {
            _state.Add((Add(inputs, state.Input, state.Shape).Values, Add(outputs, state.Output, state.Shape).Values));
        }
        Inputs = inputs;
        Outputs = outputs;
        InputNames = inputs.Select(t => t.Name).ToArray();
        InputValues = inputs.Select(t => OrtValue.CreateTensorValueFromMemory(t.Values, t.Shape)).ToArray();
        OutputNames = outputs.Select(t => t.Name).ToArray();
        OutputValues = outputs.Select(t => OrtValue.CreateTensorValueFromMemory(t.Values, t.Shape)).ToArray();
    }

    /// <summary>True when the model carries recurrent state between frames.</summary>
    public bool HasState => _state.Count > 0;

    public float[] Input { get; }

    /// <summary>The second input of a two-frame model (empty otherwise).</summary>
    public float[] Second { get; }

    public float[] Output { get; }

    /// <summary>A pose input by role (rotation, translation, new_trajectory, intrinsics), or null
    /// when the model does not take it.</summary>
    public float[]? PoseInput(string role) => _poseInputs.GetValueOrDefault(role);

    /// <summary>A further output head by role (see <see cref="ModelManifest.Outputs"/>).</summary>
    public float[] OutputOf(string role)
        => _extraOutputs.TryGetValue(role, out var values) ? values : throw new KeyNotFoundException($"the model declares no output with role '{role}'");

    internal IReadOnlyList<HeldTensor> Inputs { get; }
    internal IReadOnlyList<HeldTensor> Outputs { get; }
    internal string[] InputNames { get; }
    internal string[] OutputNames { get; }
    internal OrtValue[] InputValues { get; }
    internal OrtValue[] OutputValues { get; }

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

    /// <summary>Set by the batcher when this caller's slot of a batch has been written back.</summary>
    internal ManualResetEventSlim BatchDone { get; } = new(false);

    internal Exception? BatchError { get; set; }

    /// <summary>How these tensors are bound to the session (not used when the model batches).</summary>
    internal ModelBinding? Binding { get; set; }

    public void Dispose()
    {
        _onDispose?.Invoke();
        Binding?.Dispose();
        BatchDone.Dispose();
        foreach (var value in InputValues.Concat(OutputValues))
        {
            value.Dispose();
        }
    }
}
