using System.Runtime.InteropServices;

namespace StreamVision.Host.Cli;

/// <summary>
/// Ctrl-C and SIGTERM (docker stop, systemd) cancel <see cref="Token"/> so a command stops cleanly:
/// sources stop, queued results are published, 'stopped' is announced. A second signal falls
/// through to the default (immediate exit).
/// </summary>
public sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _sigint;
    private readonly PosixSignalRegistration _sigterm;

    private ShutdownSignals()
    {
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    public static ShutdownSignals Register() => new();

    public CancellationToken Token => _stop.Token;

    private void OnSignal(PosixSignalContext context)
    {
        if (!_stop.IsCancellationRequested)
        {
            context.Cancel = true;
            _stop.Cancel();
        }
    }

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _stop.Dispose();
    }
}
