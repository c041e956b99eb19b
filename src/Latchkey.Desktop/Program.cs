using Latchkey.Desktop.Cli;

return await DesktopCommandLine.RunAsync(args, CliEnvironment.FromConsole());
