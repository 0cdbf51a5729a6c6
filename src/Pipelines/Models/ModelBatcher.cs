using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace StreamVision.Pipelines.Models;

/// <summary>How a model shared by several cameras gathers their frames into one run.</summary>
/// <param name="MaxSize">Most frames in one run; 1 runs every frame on its own.</param>
/// <param name="Deadline">Longest the first frame of a batch waits for others.</param>
public sealed record BatchOptions(int MaxSize, TimeSpan Deadline)
{
    public static readonly BatchOptions None = new(1, TimeSpan.Zero);
}

/// <summary>
/// Runs a model whose graph has a dynamic batch axis on frames from several cameras at once. Each
/// camera's stage thread hands over its <see cref="ModelBuffers"/> and waits; one thread gathers
/// requests until the batch is full, every attached camera is waiting, or the deadline since the
/// first request has passed; copies each camera's tensors into its slot of the batch tensors, runs
/// the session once and copies each slot's outputs (and recurrent state) back. Batch tensors for
/// every size 1..max are created once, so a run allocates nothing.
/// </summary>
internal sealed class ModelBatcher : IDisposable
{
    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly BatchOptions _options;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly float[][] _inputs;
    private readonly float[][] _outputs;
    private readonly OrtValue[][] _inputValues;  // [batch size - 1][tensor]
    private readonly OrtValue[][] _outputValues;
    private readonly Queue<ModelBuffers> _waiting = new();
    private readonly List<ModelBuffers> _batch = new();
    private readonly Thread _thread;
    private int _attached;
    private bool _stopping;

    public ModelBatcher(InferenceSession session, ModelBuffers layout, BatchOptions options, string modelId)
    {
        _session = session;
        _options = options;
        _inputNames = layout.InputNames;
        _outputNames = layout.OutputNames;
        (_inputs, _inputValues) = Allocate(layout.Inputs, options.MaxSize);
        (_outputs, _outputValues) = Allocate(layout.Outputs, options.MaxSize);
        _thread = new Thread(Loop) { IsBackground = true, Name = $"batch {modelId}" };
        _thread.Start();
    }

    /// <summary>Batch runs so far and the frames they carried (mean batch = frames / runs).</summary>
    public long Runs { get; private set; }
    public long Frames { get; private set; }

    private static (float[][] Values, OrtValue[][] Views) Allocate(IReadOnlyList<HeldTensor> tensors, int max)
    {
        var values = tensors.Select(t => new float[t.Values.Length * max]).ToArray();
        var views = new OrtValue[max][];
        for (var n = 1; n <= max; n++)
        {
            views[n - 1] = tensors.Select((t, i) =>
            {
                var shape = (long[])t.Shape.Clone();
                shape[0] = n;
                return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, values[i].AsMemory(0, t.Values.Length * n), shape);
            }).ToArray();
        }
        return (values, views);
    }

    /// <summary>A camera's buffers now take part; while every attached camera waits, a batch runs without waiting for the deadline.</summary>
    public void Attach() => Interlocked.Increment(ref _attached);

    public void Detach()
    {
        Interlocked.Decrement(ref _attached);
        lock (_waiting)
        {
            Monitor.PulseAll(_waiting);
        }
    }

    /// <summary>Runs <paramref name="buffers"/> as part of the next batch; blocks until its outputs are written.</summary>
    public void Run(ModelBuffers buffers)
    {
        buffers.BatchDone.Reset();
        buffers.BatchError = null;
        lock (_waiting)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _waiting.Enqueue(buffers);
            Monitor.PulseAll(_waiting);
        }
        buffers.BatchDone.Wait();
        if (buffers.BatchError is { } error)
        {
            throw new InvalidOperationException($"batched run failed: {error.Message}", error);
        }
    }

    private void Loop()
    {
        while (Gather())
        {
            try
            {
                RunBatch();
            }
            catch (Exception e)
            {
                _batch.ForEach(b => b.BatchError = e);
            }
            foreach (var buffers in _batch)
            {
                buffers.BatchDone.Set();
            }
        }
    }

    /// <summary>Fills <see cref="_batch"/>; false when stopping.</summary>
    private bool Gather()
    {
        _batch.Clear();
        lock (_waiting)
        {
            while (_waiting.Count == 0)
            {
                if (_stopping)
                {
                    return false;
                }
                Monitor.Wait(_waiting);
            }
            var first = Stopwatch.GetTimestamp();
            while (true)
            {
                while (_batch.Count < _options.MaxSize && _waiting.TryDequeue(out var next))
                {
                    _batch.Add(next);
                }
                var left = _options.Deadline - Stopwatch.GetElapsedTime(first);
                if (_batch.Count >= _options.MaxSize || _batch.Count >= Volatile.Read(ref _attached) || left <= TimeSpan.Zero || _stopping)
                {
                    return true;
                }
                Monitor.Wait(_waiting, left);
            }
        }
    }

    private void RunBatch()
    {
        var n = _batch.Count;
        for (var slot = 0; slot < n; slot++)
        {
            var inputs = _batch[slot].Inputs;
            for (var t = 0; t < inputs.Count; t++)
            {
                var one = inputs[t].Values;
                one.CopyTo(_inputs[t], slot * one.Length);
            }
        }
        _session.Run(_runOptions, _inputNames, _inputValues[n - 1], _outputNames, _outputValues[n - 1]);
        for (var slot = 0; slot < n; slot++)
        {
            var buffers = _batch[slot];
            var outputs = buffers.Outputs;
            for (var t = 0; t < outputs.Count; t++)
            {
                var one = outputs[t].Values;
                Array.Copy(_outputs[t], slot * one.Length, one, 0, one.Length);
            }
            buffers.CarryState();
        }
        Runs++;
        Frames += n;
    }

    public void Dispose()
    {
        lock (_waiting)
        {
            _stopping = true;
            while (_waiting.TryDequeue(out var orphan))
            {
                orphan.BatchError = new ObjectDisposedException(nameof(ModelBatcher));
                orphan.BatchDone.Set();
            }
            Monitor.PulseAll(_waiting);
        }
        _thread.Join();
        foreach (var value in _inputValues.Concat(_outputValues).SelectMany(v => v))
        {
            value.Dispose();
        }
        _runOptions.Dispose();
    }
}
