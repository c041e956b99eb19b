namespace Latchkey.Browser.Tests.Infrastructure;

/// <summary>The authenticator app's home on this machine: a private temporary folder, deleted after the test.</summary>
public sealed class AppHome : IDisposable
{
    private readonly DirectoryInfo parent = Directory.CreateTempSubdirectory("latchkey-browser-app-");

    public string Path => System.IO.Path.Combine(parent.FullName, "home");

    public void Dispose() => parent.Delete(recursive: true);
}
