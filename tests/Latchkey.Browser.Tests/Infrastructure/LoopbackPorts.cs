namespace Latchkey.Browser.Tests.Infrastructure;

/// <summary>
/// The test classes whose app listens on the loopback ports of FastPass (6511-6513, the ones the sign-in page probes)
/// share this collection, so they never run at once: a page could otherwise reach another test's app.
/// </summary>
public static class LoopbackPorts
{
    public const string Collection = "FastPass loopback ports";
}
