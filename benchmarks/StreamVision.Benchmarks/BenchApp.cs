using System.CommandLine;
using StreamVision.Host.Cli;

namespace StreamVision.Benchmarks;

/// <summary>The <c>streamvision-bench</c> command line (the tests call it in-process).</summary>
public static class BenchApp
{
    public static Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
        => CliParsing.InvokeAsync(BenchCommand.Create(output, error), "streamvision-bench", args, output, error, cancellationToken);
}
