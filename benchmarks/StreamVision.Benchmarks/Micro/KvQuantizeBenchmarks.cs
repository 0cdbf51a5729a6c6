using BenchmarkDotNet.Attributes;
using StreamVision.Cache.Kv;

namespace StreamVision.Benchmarks.Micro;

/// <summary>Quantising one frame's visual KV for one head (64 tokens × 64 channels, CalibQuant
/// per-channel ranges) at each bit width, against copying it at full precision.</summary>
[MemoryDiagnoser]
public class KvQuantizeBenchmarks
{
    private const int Tokens = 64, Channels = 64;
    private readonly float[] _values = new float[Tokens * Channels];
    private readonly float[] _copy = new float[Tokens * Channels];

    [Params(8, 4, 2, 1)]
    public int Bits { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        for (var i = 0; i < _values.Length; i++)
        {
            _values[i] = (float)(random.NextDouble() * 4 - 2);
        }
    }

    [Benchmark(Baseline = true, Description = "copy fp32")]
    public void Copy() => _values.AsSpan().CopyTo(_copy);

    [Benchmark(Description = "CalibQuant quantise + pack")]
    public QuantizedMatrix Quantize() => QuantizedMatrix.Quantize(_values, Tokens, Channels, Bits, QuantizedMatrix.CalibratedClip(Bits));
}
