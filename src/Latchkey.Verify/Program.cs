using Latchkey.Verify.Cli;

return await VerifyCommandLine.RunAsync(args, CliEnvironment.FromConsole());
