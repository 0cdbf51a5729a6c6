using System.CommandLine;
using StreamVision.Host.Config;

namespace StreamVision.Host.Cli;

/// <summary><c>streamvision config show</c>: the configuration the service would run with.</summary>
internal static class ConfigCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var flags = new ConfigFlags(error);
        var show = new Command("show", "Print the resolved configuration (file, STREAMVISION__… environment variables and flags together) with where each value came from; secrets masked.");
        flags.AddTo(show);
        show.SetAction((parse, _) => ErrorReporting.Guard(error, () =>
        {
            var config = flags.Load(parse, requireCameras: false);
            output.Write(ConfigDump.Yaml(config));
            return Task.FromResult(ExitCodes.Ok);
        }));
        return new Command("config", "Inspect the configuration.") { show };
    }
}
