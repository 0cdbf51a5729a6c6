using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StreamVision.Host.Config;
using StreamVision.Host.Hosting;
using StreamVision.Pipelines.Configuration;
using StreamVision.Pipelines.Models;

namespace StreamVision.Benchmarks;

/// <param name="Sent">Results the job published (its own count).</param>
/// <param name="Frames">Results the subscriber received (QoS 1 on both sides, so equal to <paramref name="Sent"/> unless something is lost).</param>
/// <param name="Fps">Results received per second, first to last (steady throughput at the subscriber).</param>
public sealed record PeerSide(string Name, long Sent, long Frames, double Fps, double AgeP50Ms, double AgeP99Ms, double ProcessingP50Ms, IReadOnlyList<double> Runs);

/// <param name="ThroughputRatio">Ours ÷ the peer's results per second (goal ≥ 2).</param>
/// <param name="LatencyRatio">The peer's median frame age ÷ ours (above 1: ours is fresher).</param>
public sealed record PeerReport(string Clip, string Model, PeerSide Ours, PeerSide Peer, double ThroughputRatio, double LatencyRatio)
{
    public string ToMarkdown() => string.Join('\n',
        $"peer: {Path.GetFileName(Clip)}, model {Model}, every frame, results over MQTT to one subscriber (median of {Ours.Runs.Count})",
        "| job | published | received | results/s | frame age p50 | frame age p99 | model + pre/post per frame p50 | runs (results/s) |",
        "|---|---|---|---|---|---|---|---|",
        Row(Ours), Row(Peer),
        $"throughput ours ÷ peer: {ThroughputRatio:0.00} (goal ≥ 2); median frame age peer ÷ ours: {LatencyRatio:0.00}",
        "") + "\n";

    private static string Row(PeerSide s) => $"| {s.Name} | {s.Sent} | {s.Frames} | {s.Fps:0.0} | {s.AgeP50Ms:0} ms | {s.AgeP99Ms:0} ms | {s.ProcessingP50Ms:0.0} ms | {string.Join(", ", s.Runs.Select(r => r.ToString("0.0", CultureInfo.InvariantCulture)))} |";
}

/// <summary>
/// The same job as a Python user would write it (benchmarks/peer/peer.py: OpenCV's reader and DNN
/// module, paho-mqtt) against the service: same clip, same model, same broker and topics, every
/// frame, one after the other so they never share the CPU. Both are measured by one subscriber.
/// </summary>
public static class PeerBenchmark
{
    public const string OurCamera = "streamvision";
    public const string PeerCamera = "peer";

    public static string DefaultScript => Path.Combine(AppContext.BaseDirectory, "benchmarks", "peer", "peer.py");

    public static async Task<PeerReport> RunAsync(ServiceConfig config, string clip, int repeat, string python, string script, CancellationToken cancellationToken)
    {
        var manifest = ModelCatalog.LoadManifest(config.Stages.Segmentation.Model, config, "--model");
        var modelFile = ModelCatalog.InstalledFile(manifest, config)
            ?? throw new ConfigurationException($"--model '{manifest.Id}': its file '{manifest.File}' is not in {string.Join(", ", ModelCatalog.SearchPaths(config))}; pass --models-dir or run 'streamvision models pull {manifest.Id}'.");
        if (!File.Exists(script))
        {
            throw new ConfigurationException($"--peer-script '{script}' does not exist (benchmarks/peer/peer.py in the source tree).");
        }
        config.Cameras.Clear();
        config.Cameras.Add(new CameraConfig { Id = OurCamera, Url = Path.GetFullPath(clip), Realtime = false });
        config.Stages.Segmentation.Enabled = true;
        // Results at QoS 1 on both sides: a QoS 0 result may be dropped on a loaded machine, and
        // both jobs are measured by what one subscriber receives.
        config.Mqtt.Qos.Results = 1;
        var ours = new List<(long Sent, long Frames, double Fps, List<FrameArrival> Arrivals)>();
        var peer = new List<(long Sent, long Frames, double Fps, List<FrameArrival> Arrivals)>();
        for (var i = 0; i < repeat; i++)
        {
            await using var service = await BenchService.StartAsync(config, "segmentation", cancellationToken).ConfigureAwait(false);
            await service.Host.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
            await service.WaitForQuietAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            ours.Add(Side(service.Host.Pipeline.StageStats.Sum(s => s.Processed), service.Probe.Arrivals, OurCamera));
            var peerSent = await RunPeerAsync(python, script, PeerArguments(clip, modelFile, manifest, service), cancellationToken).ConfigureAwait(false);
            await service.WaitForQuietAsync(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            peer.Add(Side(peerSent, service.Probe.Arrivals, PeerCamera));
        }
        var o = Summary($"StreamVision ({manifest.Id}, ONNX Runtime)", ours);
        var p = Summary("Python peer (cv2.dnn + paho-mqtt)", peer);
        return new PeerReport(clip, manifest.Id, o, p, o.Fps / p.Fps, p.AgeP50Ms / o.AgeP50Ms);
    }

    private static (long, long, double, List<FrameArrival>) Side(long sent, IReadOnlyList<FrameArrival> all, string camera)
    {
        var arrivals = all.Where(a => a.Camera == camera).ToList();
        if (arrivals.Count < 2)
        {
            throw new InvalidOperationException($"the subscriber received {arrivals.Count} results from '{camera}'; the run did not publish.");
        }
        return (sent, arrivals.Count, (arrivals.Count - 1) / Math.Max(1e-9, arrivals[^1].At - arrivals[0].At), arrivals);
    }

    private static PeerSide Summary(string name, List<(long Sent, long Frames, double Fps, List<FrameArrival> Arrivals)> runs)
    {
        var median = runs.OrderBy(r => r.Fps).ElementAt(runs.Count / 2);
        return new PeerSide(name, median.Sent, median.Frames, Statistics.Median(runs.Select(r => r.Fps)),
            Statistics.Median(median.Arrivals.Select(a => a.AgeMs)), Statistics.Percentile(median.Arrivals.Select(a => a.AgeMs), 0.99),
            Statistics.Median(median.Arrivals.Select(a => a.ProcessingMs)), runs.Select(r => r.Fps).ToList());
    }

    private static List<string> PeerArguments(string clip, string modelFile, ModelManifest manifest, BenchService service)
    {
        var input = manifest.Input;
        string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        var args = new List<string>
        {
            "--clip", Path.GetFullPath(clip), "--model", modelFile, "--model-id", manifest.Id,
            "--host", "127.0.0.1", "--port", service.BrokerPort.ToString(CultureInfo.InvariantCulture), "--prefix", service.Prefix, "--camera", PeerCamera,
            "--width", input.Width.ToString(CultureInfo.InvariantCulture), "--height", input.Height.ToString(CultureInfo.InvariantCulture),
            "--layout", input.Layout.ToString().ToLowerInvariant(), "--color", input.ColorOrder.ToString().ToLowerInvariant(), "--scale", F(input.Scale),
            "--classes", manifest.Classes.Count.ToString(CultureInfo.InvariantCulture),
        };
        args.Add("--mean");
        args.AddRange(input.Mean.Select(F));
        args.Add("--std");
        args.AddRange(input.Std.Select(F));
        if (!service.Host.Config.Stages.Segmentation.PublishMask)
        {
            args.Add("--no-mask");
        }
        args.AddRange(["--qos", service.Host.Config.Mqtt.Qos.Results.ToString(CultureInfo.InvariantCulture)]);
        return args;
    }

    /// <returns>The results the peer published (its own count).</returns>
    private static async Task<long> RunPeerAsync(string python, string script, List<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        arguments.ForEach(start.ArgumentList.Add);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {python}");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ConfigurationException($"--python '{python}' cannot be started ({e.Message}); install Debian's python3 with python3-opencv and python3-paho-mqtt.");
        }
        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (process.ExitCode != 0)
            {
                var message = (await error.ConfigureAwait(false)).Trim();
                throw new InvalidOperationException($"the Python peer failed (exit {process.ExitCode}): {Tail(message)}" +
                    (message.Contains("ModuleNotFoundError", StringComparison.Ordinal) ? " — install Debian's python3-opencv and python3-paho-mqtt and use /usr/bin/python3." : "") +
                    (message.Contains("onnx_importer", StringComparison.Ordinal) ? " — this OpenCV's DNN module cannot read the model; pick one it reads (benchmarks/peer/README.md)." : ""));
            }
            using var summary = JsonDocument.Parse((await output.ConfigureAwait(false)).Trim().Split('\n')[^1]);
            var frames = summary.RootElement.GetProperty("frames").GetInt64();
            if (frames == 0)
            {
                throw new InvalidOperationException("the Python peer decoded no frames of the clip.");
            }
            return frames;
        }
    }

    private static string Tail(string text) => text.Length <= 600 ? text : "…" + text[^600..];
}
