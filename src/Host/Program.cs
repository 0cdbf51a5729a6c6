using StreamVision.Host.Cli;

using var signals = ShutdownSignals.Register();
return await CliApp.InvokeAsync(args, Console.Out, Console.Error, signals.Token);
