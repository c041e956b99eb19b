using System.CommandLine;
using Latchkey.Server.Features.Policies;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Hosting;

/// <summary>
/// The <c>latchkey</c> executable's command line. <c>latchkey</c> and <c>latchkey serve</c> start the server;
/// <c>--help</c> and <c>--version</c> print and exit 0; an unknown command or option prints the usage to
/// standard error and exits 2 without creating anything. Configuration overrides (<c>--Latchkey:DataDir=...</c>)
/// are accepted by every command (see <see cref="ConfigurationArguments"/>).
/// </summary>
public static class LatchkeyCommandLine
{
    /// <summary>Exit codes: 0 success, 1 a command's negative answer (e.g. a broken log), 2 usage or configuration, 3 database.</summary>
    public const int BrokenLog = 1;
    public const int UsageError = 2;
    public const int DatabaseError = 3;

    public static async Task<int> RunAsync(string[] args)
    {
        var (settings, rest) = ConfigurationArguments.Split(args);
        var root = Build(settings);
        var parse = root.Parse(rest);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"latchkey: {error.Message}");
            }

            await Console.Error.WriteLineAsync();
            await root.Parse([.. CommandPath(parse), "--help"]).InvokeAsync(new InvocationConfiguration { Output = Console.Error });
            return UsageError;
        }

        // The server handles Ctrl+C and SIGTERM itself (a graceful stop); other commands are cancelled by it.
        return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    public static RootCommand Build(string[] settings)
    {
        var root = new RootCommand(
            "Latchkey: a self-hostable identity engine (Okta-compatible Management API, System Log, device trust).\n" +
            "Without a command, starts the server (as `latchkey serve`).\n" +
            "Any configuration key can be set as --Key=value, e.g. --Latchkey:DataDir=/var/lib/latchkey --urls=http://127.0.0.1:9090.");
        var serve = new Command("serve", "Start the server: the Management API, System Log and web pages (the default command).");
        serve.SetAction(_ => ServeAsync(settings));
        root.SetAction(_ => ServeAsync(settings));
        root.Subcommands.Add(serve);

        var log = new Command("log", "Work with the System Log.");
        var verify = new Command("verify",
            "Verify every org's System Log hash chain and signed checkpoints in the configured database (the server may be running). " +
            "Exits 0 when intact; 1 printing the first broken link (sequence, uuid, published, what differs); 2 configuration; 3 database.");
        verify.SetAction((_, ct) => LogVerifyCommand.RunAsync(Configuration(settings), Console.Out, Console.Error, ct));
        log.Subcommands.Add(verify);
        root.Subcommands.Add(log);
        root.Subcommands.Add(SimulateCommand());
        return root;
    }

    /// <summary><c>latchkey simulate</c>: what an app's access policy decides for a user and device, asked of a running server.</summary>
    private static Command SimulateCommand()
    {
        var user = new Option<string>("--user") { Description = "The user: id or login.", Required = true };
        var app = new Option<string>("--app") { Description = "The app: id or label.", Required = true };
        var registered = new Option<bool>("--device-registered") { Description = "The device is registered (the authenticator app is enrolled on it)." };
        var managed = new Option<bool>("--device-managed") { Description = "The device is managed (it proved a management credential)." };
        var platform = new Option<string?>("--platform") { Description = "The device's platform: MACOS, WINDOWS, LINUX, IOS, ANDROID, CHROMEOS." };
        var org = new Option<string>("--org") { Description = "The server's URL, e.g. http://127.0.0.1:8080.", Required = true, Recursive = true };
        var token = new Option<string>("--token") { Description = "An admin's API token (read policies, apps and users).", Required = true, Recursive = true };
        var simulate = new Command("simulate",
            "Simulate an app's access policy for a user and device (POST /api/v1/policies/simulate) and print the decision, the matched rule " +
            "and each rule's conditions with status and reason. Exits 0 whatever the decision; 1 with the reason on standard error when the server refuses.")
        {
            user, app, registered, managed, platform, org, token,
        };
        simulate.SetAction((parse, ct) => PolicySimulateCommand.RunAsync(
            new SimulateArguments(parse.GetValue(user)!, parse.GetValue(app)!, parse.GetValue(registered), parse.GetValue(managed), parse.GetValue(platform),
                parse.GetValue(org)!, parse.GetValue(token)!), handler: null, Console.Out, Console.Error, ct));
        return simulate;
    }

    /// <summary>The configuration a command other than <c>serve</c> reads: as the server's (appsettings.json beside the executable, environment, <c>--Key=value</c>).</summary>
    public static IConfiguration Configuration(string[] settings)
    {
        var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production";
        return new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(settings)
            .Build();
    }

    private static IEnumerable<string> CommandPath(ParseResult parse)
    {
        var path = new List<string>();
        for (var result = parse.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
        {
            path.Insert(0, result.Command.Name);
        }

        return path;
    }

    private static async Task<int> ServeAsync(string[] settings)
    {
        try
        {
            // appsettings.json ships beside the executable; relative data paths are taken from the working directory.
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = settings, ContentRootPath = AppContext.BaseDirectory });
            builder.AddLatchkey();
            var app = builder.Build();
            _ = app.Services.GetRequiredService<IOptions<LatchkeyOptions>>().Value;
            ListenAddresses.Check(Urls(app));
            var first = await DatabaseInitializer.InitializeAsync(app.Services, app.Lifetime.ApplicationStopping);

            // The new org's secrets are printed as soon as they exist: should listening fail (a port in use), they
            // are not lost with it.
            FirstStartAnnouncer.WriteCredentials(Console.Out, first);
            app.Services.GetRequiredService<FirstStartHolder>().Value = first;
            app.UseLatchkey();
            try
            {
                await app.RunAsync();
            }
            catch (Exception e) when (e is IOException or FormatException && !app.Lifetime.ApplicationStarted.IsCancellationRequested)
            {
                throw new StartupException($"cannot listen on {Urls(app)}: {e.Message} (set Urls or --urls=...)", LatchkeyCommandLine.UsageError, e);
            }

            return 0;
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync($"latchkey: {e.Message}");
            return e.ExitCode;
        }
        catch (Exception e) when (ConfigurationError(e) is { } message)
        {
            await Console.Error.WriteLineAsync($"latchkey: configuration error: {message}");
            return UsageError;
        }
        catch (Exception e) when (e is System.Data.Common.DbException or System.Net.Sockets.SocketException)
        {
            await Console.Error.WriteLineAsync($"latchkey: cannot open the database: {e.Message} " +
                "(check Latchkey:Database:Provider and Latchkey:Database:ConnectionString)");
            return DatabaseError;
        }
    }

    private static string Urls(WebApplication app) =>
        app.Configuration["Urls"] ?? app.Configuration["ASPNETCORE_URLS"] ?? Environment.GetEnvironmentVariable("ASPNETCORE_URLS") ?? LatchkeyHost.DefaultUrl;

    /// <summary>The message of a configuration mistake (a failed validation or a value of the wrong type), else null.</summary>
    public static string? ConfigurationError(Exception e) => e switch
    {
        OptionsValidationException v => v.Message, // LatchkeyHost.ReadOptions turns binder errors into these
        InvalidOperationException { Source: "Microsoft.Extensions.Logging" or "Microsoft.Extensions.Logging.Configuration" } b
            when b.Message.StartsWith("Configuration value", StringComparison.Ordinal) => $"Logging:LogLevel: {b.Message}",
        _ when e.InnerException is { } inner => ConfigurationError(inner),
        _ => null,
    };
}
