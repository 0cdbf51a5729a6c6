using StreamVision.Host.Cli;

return await CliApp.InvokeAsync(args, Console.Out, Console.Error);
