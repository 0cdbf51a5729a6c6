using StreamVision.Ingest;
using StreamVision.Pipelines.Configuration;
using StreamVision.Pipelines.Models;
using StreamVision.Publish.Mqtt;

namespace StreamVision.Host.Cli;

/// <summary>Maps the errors users can cause to one line on stderr and a documented exit code.</summary>
internal static class ErrorReporting
{
    public static async Task<int> Guard(TextWriter error, Func<Task<int>> action)
    {
        if (NativeDependencies.ProblemAtStart is { } native)
        {
            return Report(error, "native library error", native, ExitCodes.Configuration);
        }
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception e) when (MissingNativeLibrary(e) is { } notFound)
        {
            // A native library loaded later than the start check (a GPU provider, a plugin).
            return Report(error, "native library error", NativeDependencies.Describe(NativeDependencies.LibraryNamedIn(notFound.Message), notFound.Message), ExitCodes.Configuration);
        }
        catch (ConfigurationException e)
        {
            return Report(error, "configuration error", e.Message, ExitCodes.Configuration);
        }
        catch (BrokerException e)
        {
            return Report(error, "MQTT error", e.Message, ExitCodes.Configuration);
        }
        catch (ModelContractException e)
        {
            return Report(error, "model error", e.Message, ExitCodes.ModelContract);
        }
        catch (SourceException e)
        {
            return Report(error, "input error", e.Message, ExitCodes.Input);
        }
        catch (Hosting.ModelDownloadException e)
        {
            return Report(error, "download error", e.Message, ExitCodes.Input);
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Ok;
        }
    }

    private static DllNotFoundException? MissingNativeLibrary(Exception e) => e switch
    {
        DllNotFoundException d => d,
        TypeInitializationException { InnerException: { } inner } => MissingNativeLibrary(inner),
        _ => null,
    };

    private static int Report(TextWriter error, string kind, string message, int code)
    {
        error.WriteLine($"streamvision: {kind}: {message}");
        return code;
    }
}
