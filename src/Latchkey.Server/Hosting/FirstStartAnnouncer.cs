using Latchkey.Server.Persistence;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Latchkey.Server.Hosting;

/// <summary>
/// Prints what a newcomer needs: on a new database the admin sign-in and the API token (at once, before the
/// server listens, so a failure to listen cannot lose them), and once listening, where to go.
/// </summary>
public sealed class FirstStartAnnouncer(IServer server, IHostApplicationLifetime lifetime, FirstStartHolder holder,
    Microsoft.Extensions.Options.IOptions<LatchkeyOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(Announce);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The secrets of a new org or new demo users; shown once, so written as soon as they are created.</summary>
    public static void WriteCredentials(TextWriter output, FirstStart? first)
    {
        var lines = new List<string>();
        if (first?.Org is { } org)
        {
            lines.Add("");
            lines.Add("A new org was created" + (first.Demo ? " with the demo data (users alice, bob, carol, dave @example.com; groups Engineering, Sales; a Bookmark app)." : "."));
            lines.Add($"  Admin sign-in:   {org.AdminLogin}   (super-admin; sign in at the admin console below)");
            lines.Add($"  Admin password:  {org.AdminPassword}");
            AddDemoUsers(lines, first.DemoUsers);
            lines.Add(org.TokenFromConfiguration
                ? "  API token:       the value of Latchkey:BootstrapApiToken"
                : $"  API token:       {org.ApiToken}");
            lines.Add("  These are shown once; keep them.");
        }
        else if (first is { Demo: true })
        {
            lines.Add("");
            lines.Add("The demo data was added to the existing org (shown once; keep them):");
            AddDemoUsers(lines, first.DemoUsers);
        }

        if (lines.Count > 0)
        {
            output.Write(string.Join(Environment.NewLine, lines) + Environment.NewLine);
            output.Flush();
        }
    }

    private void Announce()
    {
        var url = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? LatchkeyHost.DefaultUrl;
        var org = holder.Value?.Org;
        var lines = new List<string>
        {
            "",
            $"Latchkey is running at {url}",
            $"  Sign-in page:    {url}/",
            $"  Admin console:   {url}/admin",
            $"  Management API:  {url}/api/v1   (Authorization: SSWS <token>)",
            $"  Health:          {url}/healthz",
            options.Value.Database.Provider == DatabaseProvider.Sqlite && string.IsNullOrWhiteSpace(options.Value.Database.ConnectionString)
                ? $"  Database:        {options.Value.DefaultSqliteFile()} (SQLite)"
                : $"  Database:        {options.Value.Database.Provider}",
            org is null
                ? "  (The admin sign-in and API token were printed when this database was created.)"
                : $"  Try:             curl -H 'Authorization: SSWS {(org.TokenFromConfiguration ? "<token>" : org.ApiToken)}' {url}/api/v1/users",
            "",
        };
        Console.Out.Write(string.Join(Environment.NewLine, lines) + Environment.NewLine);
        Console.Out.Flush();
    }

    /// <summary>One line per demo user: the login and their own password (each line whole, to copy).</summary>
    private static void AddDemoUsers(List<string> lines, IReadOnlyList<DemoCredential> users)
    {
        for (var i = 0; i < users.Count; i++)
        {
            var label = i == 0 ? "  Demo users:      " : "                   ";
            var user = users[i];
            lines.Add(user.Password is null
                ? $"{label}{user.Login,-20} (staged: no password)"
                : $"{label}{user.Login,-20} {user.Password}");
        }
    }
}

public sealed class FirstStartHolder
{
    public FirstStart? Value { get; set; }
}
