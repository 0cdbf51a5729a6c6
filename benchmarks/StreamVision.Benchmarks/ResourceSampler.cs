using System.Diagnostics;

namespace StreamVision.Benchmarks;

/// <param name="At">Seconds since sampling started.</param>
/// <param name="ResidentBytes">The process's resident set (what the OS charges it).</param>
/// <param name="ManagedHeapBytes">The managed heap after the last GC (live objects plus fragmentation).</param>
/// <param name="AllocatedBytes">Managed bytes allocated since the process started (all threads).</param>
public readonly record struct ResourceSample(double At, long ResidentBytes, long ManagedHeapBytes, long AllocatedBytes);

/// <summary>Samples this process's memory on a timer, for the soak and overload runs.</summary>
public sealed class ResourceSampler : IAsyncDisposable
{
    private readonly List<ResourceSample> _samples = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ResourceSampler(TimeSpan interval)
    {
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            do
            {
                Take();
            }
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
        });
    }

    public IReadOnlyList<ResourceSample> Samples
    {
        get
        {
            lock (_samples)
            {
                return _samples.ToArray();
            }
        }
    }

    /// <summary>This process's resident set now (what the OS charges it).</summary>
    public static long ResidentBytes()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    private void Take()
    {
        using var self = Process.GetCurrentProcess();
        var sample = new ResourceSample(_clock.Elapsed.TotalSeconds, self.WorkingSet64, GC.GetGCMemoryInfo().HeapSizeBytes, GC.GetTotalAllocatedBytes());
        lock (_samples)
        {
            _samples.Add(sample);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        Take();
        _stop.Dispose();
    }
}
