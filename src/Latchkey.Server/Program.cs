using Latchkey.Server.Hosting;

// `latchkey` and `latchkey serve` start the server; other commands (`log verify`, ...) work on its
// database without starting it. See LatchkeyCommandLine.
return await LatchkeyCommandLine.RunAsync(args);

/// <summary>The entry point, visible to <c>WebApplicationFactory</c> in tests.</summary>
public partial class Program;
