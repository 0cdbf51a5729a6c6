using System.CommandLine;

namespace StreamVision.Host.Cli;

/// <summary>Parses and runs a command line; a parse error is one line per problem and exit code 2,
/// the same for the service and the developer tools.</summary>
public static class CliParsing
{
    public static Task<int> InvokeAsync(RootCommand root, string program, string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                error.WriteLine($"{program}: {e.Message}");
            }
            error.WriteLine($"Run '{program} --help' for usage.");
            return Task.FromResult(ExitCodes.Configuration);
        }
        // Signals are handled by the caller (Program, through ShutdownSignals), which cancels the token.
        return parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null }, cancellationToken);
    }
}
