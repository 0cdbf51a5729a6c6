namespace StreamVision.Host.Cli;

/// <summary>Process exit codes (documented in the README).</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>An unexpected failure (a bug or the machine); the message says what.</summary>
    public const int Failure = 1;

    /// <summary>Bad command line or configuration: unknown key, bad value, missing file, port in use.</summary>
    public const int Configuration = 2;

    /// <summary>A model does not match its manifest or cannot be loaded.</summary>
    public const int ModelContract = 3;

    /// <summary>An input video or camera could not be read (missing, damaged, truncated), or a model
    /// download failed (rerun to resume).</summary>
    public const int Input = 4;

    /// <summary>Results could not be written (disk full, no permission); rerun to resume.</summary>
    public const int Output = 5;
}
