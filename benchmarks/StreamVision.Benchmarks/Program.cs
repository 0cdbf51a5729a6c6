using StreamVision.Benchmarks;
using StreamVision.Host.Cli;

using var signals = ShutdownSignals.Register();
return await BenchApp.InvokeAsync(args, Console.Out, Console.Error, signals.Token);
