using Latchkey.Core.Errors;
using Latchkey.Core.Security;
using Latchkey.Server.Api;
using Latchkey.Server.Features.DesktopMfa;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.AuthenticatorApp;
using Latchkey.Server.Features.Authenticators;
using Latchkey.Server.Features.DeviceIntegrations;
using Latchkey.Server.Features.Devices;
using Latchkey.Server.Features.Dashboard;
using Latchkey.Server.Features.Policies;
using Latchkey.Server.Features.Factors;
using Latchkey.Server.Features.Apps;
using Latchkey.Server.Features.Groups;
using Latchkey.Server.Features.NetworkZones;
using Latchkey.Server.Features.Org;
using Latchkey.Server.Features.OrgKeys;
using Latchkey.Server.Features.RateLimits;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Features.WebAuthn;
using Microsoft.AspNetCore.DataProtection;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Latchkey.Server.Hosting;

/// <summary>Service registration and the request pipeline; Program.cs stays short.</summary>
public static partial class LatchkeyHost
{
    public const string DefaultUrl = "http://127.0.0.1:8080";

    /// <summary>A misspelt key under <c>Latchkey:</c> is an error naming it, not a setting silently ignored.</summary>
    private static void Strict(BinderOptions binder) => binder.ErrorOnUnknownConfiguration = true;

    /// <summary>The <c>Latchkey</c> section, bound strictly and validated; throws <see cref="OptionsValidationException"/> naming the key.</summary>
    public static LatchkeyOptions ReadOptions(IConfiguration configuration)
    {
        LatchkeyOptions options;
        try
        {
            options = configuration.GetSection(LatchkeyOptions.Section).Get<LatchkeyOptions>(Strict) ?? new LatchkeyOptions();
        }
        catch (InvalidOperationException e)
        {
            // A value of the wrong type or a misspelt key: the binder's innermost message names the key.
            var cause = e;
            while (cause.InnerException is InvalidOperationException inner)
            {
                cause = inner;
            }

            throw new OptionsValidationException(LatchkeyOptions.Section, typeof(LatchkeyOptions), [cause.Message]);
        }

        var validation = new LatchkeyOptionsValidator().Validate(null, options);
        return validation.Failed
            ? throw new OptionsValidationException(LatchkeyOptions.Section, typeof(LatchkeyOptions), validation.Failures)
            : options;
    }

    public static WebApplicationBuilder AddLatchkey(this WebApplicationBuilder builder)
    {
        if (string.IsNullOrEmpty(builder.Configuration["Urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"])
            && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_URLS")))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        var services = builder.Services;
        services.AddOptions<LatchkeyOptions>().Bind(builder.Configuration.GetSection(LatchkeyOptions.Section), Strict).ValidateOnStart();
        services.AddSingleton<IValidateOptions<LatchkeyOptions>, LatchkeyOptionsValidator>();
        // Validated here, before any option configures Kestrel or the database, so a bad value is a message naming
        // its key rather than a framework exception (ValidateOnStart checks again when the host starts).
        var options = ReadOptions(builder.Configuration);

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            k.Limits.MaxRequestLineSize = 16 * 1024;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            k.AddServerHeader = false;
        });

        services.AddDatabase(options);
        // One key ring for every node, in the database: a form rendered by one node posts to another. The keys are as
        // safe as the database that holds them (docs/sign-in.md says so); the framework's warning that they are not
        // encrypted by a separate key would be printed at every first start, so that category speaks only of errors.
        services.AddDataProtection().SetApplicationName("latchkey").PersistKeysToDbContext<LatchkeyDbContext>();
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection.KeyManagement.XmlKeyManager", LogLevel.Error);
        services.AddLatchkeyWeb();
        services.AddSingleton(WalFlusher.For(options));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new PasswordHasher(sp.GetRequiredService<IOptions<LatchkeyOptions>>().Value.Passwords.Pbkdf2Iterations));
        services.AddSingleton<ApiTokenCache>();
        services.AddSingleton(sp => new RateLimiter(sp.GetRequiredService<TimeProvider>(),
            shared: options.RateLimits.Shared ?? options.Database.Provider == DatabaseProvider.Postgres));
        services.AddSingleton<RateLimitGate>();
        services.AddSingleton<FailedAuthenticationLimit>();
        services.AddSingleton<SignInAddressLimit>();
        services.AddSingleton<DecoyPassword>();
        services.AddSingleton<ZoneSnapshots>();
        services.AddScoped<SessionStore>();
        services.AddScoped<Features.Policies.AppAccess>();
        services.AddScoped<AdminGrants>();
        services.AddScoped<ApiTokenIssuer>();
        services.AddScoped<Features.Roles.RoleAssignmentWrites>();
        services.AddScoped<SignInEngine>();
        services.AddScoped<Features.Policies.PolicyFacts>();
        services.AddScoped<Features.Policies.PolicyMatcher>();
        services.AddSingleton<Features.SignIn.RememberedDevices>();
        services.AddScoped<Features.Policies.SignOnPolicy>();
        services.AddScoped<Features.Policies.EnrollPolicy>();
        services.AddScoped<DesktopMfaGate>();
        services.AddScoped<DesktopMfaFleet>();
        services.AddScoped<SecondFactors>();
        services.AddSingleton<NewSignInHandles>();
        services.AddSingleton<Features.Factors.FactorSecrets>();
        services.AddSingleton<Features.DeviceIntegrations.DeviceIntegrationCaKeys>();
        services.AddSingleton<Features.DesktopMfa.DesktopMfaSecrets>();
        services.AddSingleton<Features.DesktopMfa.DesktopMfaLoginTokens>();
        services.AddScoped<Features.Factors.TotpFactors>();
        services.AddScoped<Features.WebAuthn.WebAuthnUserStore>();
        services.AddScoped<Features.WebAuthn.WebAuthnUserManager>();
        services.AddScoped<Features.WebAuthn.WebAuthnCeremonies>();
        services.AddSingleton<Features.AuthenticatorApp.PushSignals>();
        services.AddScoped<Features.AuthenticatorApp.PushChallenges>();
        services.AddScoped<Features.AuthenticatorApp.DeviceRequests>();
        services.AddScoped<Features.AuthenticatorApp.AppEnrollments>();
        services.AddScoped<Features.AuthenticatorApp.FastPassChallenges>();
        services.AddSingleton<Features.OrgKeys.OrgSignerCache>();
        services.AddScoped<Features.OrgKeys.OrgSigningKeys>();
        services.AddSingleton(sp => new RateLimitBuckets(sp.GetRequiredService<IOptions<LatchkeyOptions>>().Value.RateLimits));
        services.AddScoped<SystemLogWriter>();
        services.AddScoped<OrgWrite>();
        services.AddSingleton(new WriteGate(serialize: options.Database.Provider == DatabaseProvider.Sqlite));
        services.AddScoped<OrgSeeder>();
        services.AddHttpContextAccessor();
        services.AddSingleton<FirstStartHolder>();
        services.AddHostedService<FirstStartAnnouncer>();
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<LatchkeyOptions>>().Value;
            var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("Latchkey.SystemLog");
            return LogSigningKeyFile.LoadForSigning(o, created: path => LogKeyCreated(logger, path));
        });
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<LatchkeyOptions>>().Value;
            return new LogCheckpointRecord(o.SystemLog.RecordPath(o.DataDir));
        });
        services.AddSingleton<LogCheckpointer>();
        services.AddSingleton<LogCheckpointTrigger>();
        services.AddHostedService<LogCheckpointService>();
        services.AddSingleton<Features.SignIn.ExpiredSignInSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<Features.SignIn.ExpiredSignInSweeper>());
        return builder;
    }

    /// <summary>
    /// A failed command or save is often expected (a unique index refusing a duplicate login is how "already taken"
    /// is detected), so EF Core's own error lines would let any caller fill the operator log with stack traces.
    /// They go to Debug; a failure nobody expected still reaches the log once, from <see cref="Api.ApiErrorHandling"/>.
    /// </summary>
    private static void ExpectedFailuresAreNotErrors(Microsoft.EntityFrameworkCore.Diagnostics.WarningsConfigurationBuilder w) =>
        w.Log((Microsoft.EntityFrameworkCore.Diagnostics.RelationalEventId.CommandError, LogLevel.Debug),
            (Microsoft.EntityFrameworkCore.Diagnostics.CoreEventId.SaveChangesFailed, LogLevel.Debug));

    private static void AddDatabase(this IServiceCollection services, LatchkeyOptions options)
    {
        if (options.Database.Provider == DatabaseProvider.Postgres)
        {
            services.AddDbContextPool<LatchkeyDbContext, NpgsqlLatchkeyDbContext>(o =>
                o.UseNpgsql(options.Database.ConnectionString, n => n.MigrationsAssembly(typeof(LatchkeyDbContext).Assembly.FullName))
                    .ConfigureWarnings(ExpectedFailuresAreNotErrors));
            return;
        }

        var connection = options.SqliteConnectionString();
        services.AddDbContextPool<LatchkeyDbContext, SqliteLatchkeyDbContext>(o =>
            o.UseSqlite(connection).AddInterceptors(new SqlitePragmas()).ConfigureWarnings(ExpectedFailuresAreNotErrors));
    }

    public static WebApplication UseLatchkey(this WebApplication app)
    {
        app.UseRequestIds();
        app.UseServerDate();
        app.UseLatchkeyStaticFiles();
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api/v1") || c.Request.Path.StartsWithSegments(Features.DesktopMfa.DesktopMfaApi.SettingsPrefix), api =>
        {
            api.UseMiddleware<ApiErrorHandling>();
            api.UseMiddleware<ApiTokenAuthentication>();
            api.UseMiddleware<RateLimitMiddleware>();
            api.UseMiddleware<AdminPermissionCheck>();
        });
        app.UseWhen(c => Features.AuthenticatorApp.AppChannelEndpoints.IsChannel(c.Request.Path), channel => channel.UseMiddleware<ApiErrorHandling>());
        app.UseWhen(c => c.Request.Path.StartsWithSegments(Features.WebAuthn.WebAuthnEndpoints.Prefix), webAuthn => webAuthn.UseMiddleware<ApiErrorHandling>());
        app.UseWhen(c => DesktopMfaAgent.IsAgent(c.Request.Path), agent => agent.UseMiddleware<ApiErrorHandling>());
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/idp/idx") && !Features.AuthenticatorApp.AppChannelEndpoints.IsChannel(c.Request.Path),
            idx => idx.UseMiddleware<IdxErrorHandling>());
        app.UseWhen(c => SignInBlocklist.Guards(c.Request), signIn => signIn.UseMiddleware<SignInBlocklist>());

        var v1 = app.MapGroup("/api/v1");
        v1.MapUsersApi();
        v1.MapGroupsApi();
        v1.MapAppsApi();
        v1.MapApiTokensApi();
        v1.MapAuthenticatorsApi();
        v1.MapAaguidsApi();
        v1.MapFactorsApi();
        v1.MapDevicesApi();
        v1.MapDeviceIntegrationsApi();
        v1.MapPoliciesApi();
        v1.MapAppLinksApi();
        v1.MapSystemLogApi();
        v1.MapRoleAssignmentsApi();
        v1.MapSessionsApi();
        v1.MapAuthnApi();
        v1.MapNetworkZonesApi();
        v1.MapDesktopMfaApi();
        v1.MapDesktopMfaFleet();
        app.MapDesktopMfaSettings();
        app.MapDesktopMfaAgent();
        app.UseLatchkeyWeb();
        app.MapIdxEndpoints();
        app.MapAuthenticatorAppEndpoints();
        app.MapWebAuthnEndpoints();
        app.MapOrgEndpoints();
        app.MapOrgKeysEndpoints();
        app.MapUnmatchedFallback().NeedsNoAdminPermission("answers 404 or 405 only");
        return app;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the System Log signing key {Path}. Back it up apart from the database: " +
        "without it checkpoints cannot be checked, and whoever holds it can forge them.")]
    private static partial void LogKeyCreated(ILogger logger, string path);
}
