using StreamVision.Ingest.Frames;

namespace StreamVision.Benchmarks.Micro;

/// <summary>What the micro-benchmarks work on: two consecutive frames of a real clip. BenchmarkDotNet
/// makes the benchmark objects itself; it runs them in this process, so they read it from here.</summary>
internal static class MicroInputs
{
    public static Frame? First { get; set; }
    public static Frame? Second { get; set; }

    public static Frame Take(Frame? frame) => frame ?? throw new InvalidOperationException("streamvision-bench micro sets its frames before it runs.");
}
