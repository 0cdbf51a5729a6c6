using StreamVision.Host.Cli;

namespace StreamVision.Tests.Support;

/// <summary>Runs the real command line in-process and captures what it prints.</summary>
public static class CliRun
{
    public sealed record Outcome(int ExitCode, string Output, string Error);

    public static async Task<Outcome> InvokeAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CliApp.InvokeAsync(args, output, error);
        return new Outcome(code, output.ToString(), error.ToString());
    }
}

/// <summary>Runs the benchmark tool's command line (<c>streamvision-bench</c>) in-process.</summary>
public static class BenchRun
{
    public static async Task<CliRun.Outcome> InvokeAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await StreamVision.Benchmarks.BenchApp.InvokeAsync(args, output, error);
        return new CliRun.Outcome(code, output.ToString(), error.ToString());
    }
}
