using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace StreamVision.Pipelines.Models;

/// <summary>
/// How one caller's tensors are bound to a session (ONNX Runtime IOBinding), made once per camera so
/// a run binds nothing and allocates nothing: ONNX Runtime reads the inputs from and writes the
/// outputs into the caller's pinned arrays, copying to and from the GPU itself when the model runs there.
/// </summary>
internal class ModelBinding : IDisposable
{
    private readonly OrtIoBinding _binding;

    public ModelBinding(InferenceSession session, ModelBuffers buffers)
    {
        _binding = session.CreateIoBinding();
        Bind(buffers);
    }

    protected OrtIoBinding Binding => _binding;

    protected virtual void Bind(ModelBuffers buffers)
    {
        for (var i = 0; i < buffers.InputNames.Length; i++)
        {
            _binding.BindInput(buffers.InputNames[i], buffers.InputValues[i]);
        }
        for (var i = 0; i < buffers.OutputNames.Length; i++)
        {
            _binding.BindOutput(buffers.OutputNames[i], buffers.OutputValues[i]);
        }
    }

    public virtual void Run(InferenceSession session, RunOptions runOptions) => session.RunWithBinding(runOptions, _binding);

    public virtual void Dispose() => _binding.Dispose();
}

/// <summary>
/// For CUDA graphs: every tensor lives at a fixed GPU address for the camera's lifetime (a captured
/// graph replays with the addresses it was captured with), each camera has its own graph id, and a
/// run copies the inputs up, replays the graph, and copies the outputs down.
/// </summary>
internal sealed class CudaGraphBinding(InferenceSession session, ModelBuffers buffers, int deviceId) : ModelBinding(session, buffers)
{
    private static int s_nextGraphId;

    // Field initializers run before the base constructor binds, so Bind sees them.
    private readonly List<(IntPtr Device, float[] Host, OrtValue Value)> _inputs = new();
    private readonly List<(IntPtr Device, float[] Host, OrtValue Value)> _outputs = new();
    private readonly int _deviceId = deviceId;
    private readonly RunOptions _runOptions = GraphRunOptions();

    // Graph id 0 is ONNX Runtime's default; each camera gets its own capture.
    private static RunOptions GraphRunOptions()
    {
        var options = new RunOptions();
        options.AddRunConfigEntry("gpu_graph_id", Interlocked.Increment(ref s_nextGraphId).ToString(System.Globalization.CultureInfo.InvariantCulture));
        return options;
    }

    protected override void Bind(ModelBuffers buffers)
    {
        using var memory = new OrtMemoryInfo("Cuda", OrtAllocatorType.DeviceAllocator, _deviceId, OrtMemType.Default);
        foreach (var (tensors, list, input) in new[] { (buffers.Inputs, _inputs, true), (buffers.Outputs, _outputs, false) })
        {
            foreach (var tensor in tensors)
            {
                var bytes = tensor.Values.Length * sizeof(float);
                CudaRuntime.Check(CudaRuntime.Malloc(out var device, (nuint)bytes), "cudaMalloc");
                var value = OrtValue.CreateTensorValueWithData(memory, TensorElementType.Float, tensor.Shape, device, bytes);
                list.Add((device, tensor.Values, value));
                if (input)
                {
                    Binding.BindInput(tensor.Name, value);
                }
                else
                {
                    Binding.BindOutput(tensor.Name, value);
                }
            }
        }
    }

    public override unsafe void Run(InferenceSession session, RunOptions runOptions)
    {
        foreach (var (device, host, _) in _inputs)
        {
            fixed (float* source = host)
            {
                CudaRuntime.Check(CudaRuntime.Memcpy(device, (IntPtr)source, (nuint)(host.Length * sizeof(float)), CudaRuntime.HostToDevice), "cudaMemcpy to device");
            }
        }
        session.RunWithBinding(_runOptions, Binding);
        foreach (var (device, host, _) in _outputs)
        {
            fixed (float* target = host)
            {
                CudaRuntime.Check(CudaRuntime.Memcpy((IntPtr)target, device, (nuint)(host.Length * sizeof(float)), CudaRuntime.DeviceToHost), "cudaMemcpy to host");
            }
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        foreach (var (device, _, value) in _inputs.Concat(_outputs))
        {
            value.Dispose();
            CudaRuntime.Free(device);
        }
        _runOptions.Dispose();
    }
}

/// <summary>The few CUDA runtime calls device-resident bindings need (the CUDA build of ONNX Runtime
/// requires the CUDA 12 runtime, so it is present wherever this path can run).</summary>
internal static partial class CudaRuntime
{
    private const string Library = "libcudart.so.12";
    public const int HostToDevice = 1;
    public const int DeviceToHost = 2;

    [LibraryImport(Library, EntryPoint = "cudaMalloc")]
    public static partial int Malloc(out IntPtr pointer, nuint bytes);

    [LibraryImport(Library, EntryPoint = "cudaFree")]
    public static partial int Free(IntPtr pointer);

    [LibraryImport(Library, EntryPoint = "cudaMemcpy")]
    public static partial int Memcpy(IntPtr destination, IntPtr source, nuint bytes, int kind);

    public static void Check(int status, string call)
    {
        if (status != 0)
        {
            throw new InvalidOperationException($"{call} failed with CUDA error {status}");
        }
    }
}
