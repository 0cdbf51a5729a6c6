using System.CommandLine;

namespace StreamVision.Host.Cli;

/// <summary>The command line: run, batch, models check, models generate.</summary>
public static class CliApp
{
    public static Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var root = new RootCommand("StreamVision: real-time vision pipelines from cameras and files to MQTT.");
        root.Subcommands.Add(RunCommand.Create(output, error));
        root.Subcommands.Add(BatchCommand.Create(output, error));
        root.Subcommands.Add(ModelsCommand.Create(output, error));
        root.Subcommands.Add(BenchCommand.Create(output, error));
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                error.WriteLine($"streamvision: {e.Message}");
            }
            error.WriteLine("Run 'streamvision --help' for usage.");
            return Task.FromResult(ExitCodes.Configuration);
        }
        // Signals are handled by the caller (Program), which cancels the token.
        return parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null }, cancellationToken);
    }
}
