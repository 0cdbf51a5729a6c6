using System.Runtime.InteropServices;
using StreamVision.Host.Cli;

// Ctrl-C and SIGTERM (docker stop, systemd) stop the service cleanly: sources stop, queued results
// are published, 'stopped' is announced. A second signal falls through to the default (immediate exit).
using var stop = new CancellationTokenSource();
void OnSignal(PosixSignalContext context)
{
    if (!stop.IsCancellationRequested)
    {
        context.Cancel = true;
        stop.Cancel();
    }
}
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
return await CliApp.InvokeAsync(args, Console.Out, Console.Error, stop.Token);
