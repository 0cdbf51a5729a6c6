using System.CommandLine;

namespace StreamVision.Host.Cli;

/// <summary>The service's command line: run, batch, models. Benchmarks are a separate tool
/// (<c>streamvision-bench</c>, benchmarks/StreamVision.Benchmarks).</summary>
public static class CliApp
{
    public static Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("StreamVision: real-time vision pipelines from cameras and files to MQTT.");
        root.Subcommands.Add(RunCommand.Create(output, error));
        root.Subcommands.Add(BatchCommand.Create(output, error));
        root.Subcommands.Add(ModelsCommand.Create(output, error));
        root.Subcommands.Add(ConfigCommand.Create(output, error));
        return CliParsing.InvokeAsync(root, "streamvision", args, output, error, cancellationToken);
    }
}
