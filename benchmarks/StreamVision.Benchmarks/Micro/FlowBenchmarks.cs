using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Ingest.Frames;
using StreamVision.Pipelines.Graph;

namespace StreamVision.Benchmarks.Micro;

/// <summary>Dense optical flow between two consecutive frames of the clip, through the flow stage
/// (grey conversion, the engine, statistics): the built-in DIS against OpenCV's Farnebäck.</summary>
[MemoryDiagnoser]
public class FlowBenchmarks
{
    private readonly List<IDisposable> _owned = [];
    private IFrameStage _farneback = null!, _dis = null!;
    private Frame _first = null!, _second = null!;
    private bool _flip;

    [GlobalSetup]
    public void Setup()
    {
        _first = MicroInputs.Take(MicroInputs.First);
        _second = MicroInputs.Take(MicroInputs.Second);
        _farneback = Stage(FlowEngine.Farneback);
        _dis = Stage(FlowEngine.Dis);
    }

    private IFrameStage Stage(FlowEngine engine)
    {
        var config = new ServiceConfig();
        config.Stages.Segmentation.Enabled = false;
        config.Stages.Flow.Enabled = true;
        config.Stages.Flow.Engine = engine;
        var factory = StageBuilder.Build(config, NullLogger.Instance).Single();
        var stage = factory.Create("micro");
        _owned.Add(stage);
        _owned.Add(factory);
        stage.Process(_first)?.Dispose();
        return stage;
    }

    /// <summary>Alternates the two frames so every call computes flow between them.</summary>
    private void Next(IFrameStage stage)
    {
        _flip = !_flip;
        stage.Process(_flip ? _second : _first)?.Dispose();
    }

    [Benchmark(Baseline = true, Description = "OpenCV Farneback (flow stage)")]
    public void Farneback() => Next(_farneback);

    [Benchmark(Description = "built-in DIS, medium (flow stage)")]
    public void Dis() => Next(_dis);

    [GlobalCleanup]
    public void Cleanup() => _owned.ForEach(o => o.Dispose());
}
