using Microsoft.Extensions.Logging;

namespace StreamVision.Tests.Support;

public static class TestLogging
{
    public static ILoggerFactory Quiet() => LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddSimpleConsole(o => o.SingleLine = true));
}
