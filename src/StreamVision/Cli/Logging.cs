using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace StreamVision.Host.Cli;

internal static class Logging
{
    /// <summary>Logs go to stderr so stdout carries only the summary lines and tables.</summary>
    public static ILoggerFactory Create(string level) => LoggerFactory.Create(b => b
        .SetMinimumLevel(Enum.Parse<LogLevel>(level, ignoreCase: true))
        .AddFilter("Microsoft", LogLevel.Warning)
        .AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        })
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
}
