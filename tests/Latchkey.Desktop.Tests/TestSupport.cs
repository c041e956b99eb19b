using Latchkey.Desktop.Cli;
using Latchkey.Desktop.Profile;
using Latchkey.Desktop.Security;
using Latchkey.Desktop.Server;
using Latchkey.Desktop.State;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Latchkey.Desktop.Tests;

/// <summary>A private temporary folder (deleted afterwards) holding a state directory and profiles.</summary>
internal sealed class TestFolder : IDisposable
{
    public const string ProfileJson = """{"DMFAOrgURL":"https://acme.example.com","DMFAClientID":"0oa1desktop","DMFAClientSecret":"s3cret"}""";

    /// <summary>A profile whose org URL nothing listens on (port 9, discard): the server cannot be reached, at once.</summary>
    public const string UnreachableProfileJson = """{"DMFAOrgURL":"http://127.0.0.1:9","DMFAClientID":"0oa1desktop","DMFAClientSecret":"s3cret"}""";

    private readonly string parent = Directory.CreateTempSubdirectory("latchkey-desktop-test-").FullName;

    public string StatePath => Path.Combine(parent, "state");

    public DesktopState State() => new(StatePath, TimeSpan.FromSeconds(2));

    public string WriteProfile(string text = ProfileJson, string name = "profile.json")
    {
        var path = Path.Combine(parent, name);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(parent, recursive: true);
}

/// <summary>The Desktop MFA server as the agent sees it, in process: records what it was asked and can refuse.</summary>
internal sealed class FakeDesktopMfaServer(TimeProvider time) : IDesktopMfaServer
{
    public List<OfflineEnrollmentRequest> Registered { get; } = [];

    public List<string> Confirmed { get; } = [];

    public List<SignedOfflineEvent> Uploaded { get; } = [];

    public Task<OfflineEnrollmentRegistration> RegisterOfflineEnrollmentAsync(OfflineEnrollmentRequest request, CancellationToken cancellationToken)
    {
        Registered.Add(request);
        return Task.FromResult(new OfflineEnrollmentRegistration($"den{Registered.Count:D17}"));
    }

    public Task<DateTimeOffset> ConfirmOfflineEnrollmentAsync(string login, string enrollmentId, string code, CancellationToken cancellationToken)
    {
        Confirmed.Add(enrollmentId);
        return Task.FromResult(time.GetUtcNow());
    }

    /// <summary>The org account's code this fake accepts.</summary>
    public const string OrgCode = "424242";

    public const string LoginToken = "login-token";

    /// <summary>What <c>/methods</c> answers: the profile's factors, each available unless set otherwise.</summary>
    public List<OnlineMethod> Methods { get; } = [new("OV_Push", true, null), new("OV_TOTP", true, null), new("Offline_TOTP", true, null), new("FIDO2_USB_key", true, null)];

    public Task<OnlineMethods> MethodsAsync(string login, CancellationToken cancellationToken) => Task.FromResult(new OnlineMethods("00u1", true, Methods));

    public Task<PushSent> SendPushAsync(string login, CancellationToken cancellationToken) => Task.FromResult(new PushSent("push1", null, 42));

    public Task<PushPoll> PollPushAsync(string challengeId, CancellationToken cancellationToken) => Task.FromResult(new PushPoll("SUCCESS", LoginToken));

    public Task<string> CheckCodeAsync(string login, string code, CancellationToken cancellationToken) =>
        code == OrgCode ? Task.FromResult(LoginToken) : throw ServerRefusals.ToException("invalid_code", "The code is not right.", null, null, null);

    /// <summary>The person's keys as the server lists them; a lookup refused with <see cref="KeyLookupRefusal"/> when set.</summary>
    public List<RegisteredSecurityKey> SecurityKeys { get; } = [];

    public DesktopException? KeyLookupRefusal { get; set; }

    /// <summary>Answer every security-key request as a server that cannot be reached.</summary>
    public bool Unreachable { get; set; }

    public const string Origin = "https://acme.example.com";

    private byte[] challenge = [];

    public Task<SecurityKeyLookup> SecurityKeysAsync(string login, CancellationToken cancellationToken)
    {
        if (Unreachable || KeyLookupRefusal is not null)
        {
            throw KeyLookupRefusal ?? new DesktopException(ExitCodes.Unreachable, $"cannot reach the server at {Origin}: the connection was refused");
        }

        challenge = SecurityKeyAssertion.NewChallenge();
        var options = new System.Text.Json.Nodes.JsonObject
        {
            ["challenge"] = System.Buffers.Text.Base64Url.EncodeToString(challenge), ["rpId"] = new Uri(Origin).Host,
            ["allowCredentials"] = new System.Text.Json.Nodes.JsonArray([.. SecurityKeys.Select(k => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject { ["type"] = "public-key", ["id"] = k.CredentialId })]),
        };
        return Task.FromResult(new SecurityKeyLookup(options.ToJsonString(), [.. SecurityKeys]));
    }

    /// <summary>Checks the answer as the server would, with the agent's own offline check against the listed key.</summary>
    public Task<SecurityKeyVerified> VerifySecurityKeyAsync(string login, SecurityKeyLookup lookup, string credentialJson, CancellationToken cancellationToken)
    {
        var id = (string?)System.Text.Json.Nodes.JsonNode.Parse(credentialJson)?["id"];
        var index = SecurityKeys.FindIndex(k => k.CredentialId == id);
        var key = index < 0 ? throw ServerRefusals.ToException("key_not_registered", "This security key is not registered for you.", null, null, null) : SecurityKeys[index];
        var check = SecurityKeyAssertion.Verify(credentialJson, System.Buffers.Text.Base64Url.DecodeFromChars(key.PublicKey), key.SignCount, challenge, Origin, new Uri(Origin).Host);
        if (!check.Accepted)
        {
            throw ServerRefusals.ToException("invalid_assertion", check.Words, null, null, null);
        }

        SecurityKeys[index] = key with { SignCount = check.SignCount };
        return Task.FromResult(new SecurityKeyVerified(LoginToken, check.SignCount));
    }

    /// <summary>Ids the fake server refuses on upload, with the reason.</summary>
    public Dictionary<string, string> RefuseOnUpload { get; } = new(StringComparer.Ordinal);

    public Task<OfflineUpload> UploadOfflineEventsAsync(IReadOnlyList<SignedOfflineEvent> events, CancellationToken cancellationToken)
    {
        var known = Uploaded.Select(e => e.Event.Id).ToHashSet(StringComparer.Ordinal);
        var accepted = events.Where(e => !known.Contains(e.Event.Id) && !RefuseOnUpload.ContainsKey(e.Event.Id)).ToList();
        Uploaded.AddRange(accepted);
        return Task.FromResult(new OfflineUpload([.. accepted.Select(e => e.Event.Id)], [.. events.Where(e => known.Contains(e.Event.Id)).Select(e => e.Event.Id)],
            [.. events.Select((e, i) => (e, i)).Where(x => RefuseOnUpload.ContainsKey(x.e.Event.Id)).Select(x => new RejectedOfflineEvent(x.e.Event.Id, x.i, RefuseOnUpload[x.e.Event.Id]))]));
    }
}

/// <summary>An agent on a fake clock with a fake server, and a user enrolled through it.</summary>
internal sealed class AgentFixture : IDisposable
{
    public const string Login = "alice@example.com";

    public AgentFixture(string profile = TestFolder.ProfileJson)
    {
        Server = new FakeDesktopMfaServer(Time);
        Agent = new DesktopAgent(ProfileReader.Parse(profile), Folder.State(), Time, Server, "Alice-MacBook");
    }

    public TestFolder Folder { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 3, 9, 0, 10, TimeSpan.Zero));

    public FakeDesktopMfaServer Server { get; }

    public DesktopAgent Agent { get; }

    public byte[] Secret { get; private set; } = [];

    /// <summary>Enrolls <see cref="Login"/> (its offline period starts now) and moves the clock past the confirming code's step.</summary>
    public async Task<byte[]> EnrollAsync()
    {
        var enrollment = Agent.BeginOfflineEnrollment(Login);
        await enrollment.RegisterAsync(FakeDesktopMfaServer.LoginToken, TestContext.Current.CancellationToken);
        Secret = DeviceAccessCodes.FromBase32(enrollment.Secret);
        await enrollment.ConfirmAsync(CodeAt(Time.GetUtcNow()), TestContext.Current.CancellationToken);
        Time.Advance(TimeSpan.FromSeconds(DeviceAccessCodes.StepSeconds));
        return Secret;
    }

    public string CodeAt(DateTimeOffset time) => DeviceAccessCodes.Code(Secret, DeviceAccessCodes.StepAt(time));

    public string CodeNow(TimeSpan? offset = null) => CodeAt(Time.GetUtcNow() + (offset ?? TimeSpan.Zero));

    public void Dispose() => Folder.Dispose();
}

/// <summary>One in-process run of the command line with its input, output and exit code.</summary>
internal sealed record CliRun(int Exit, string Out, string Error)
{
    public static async Task<CliRun> RunAsync(string[] args, string input = "", TimeProvider? time = null, IDesktopMfaServer? server = null)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var environment = new CliEnvironment
        {
            In = new StringReader(input),
            Out = output,
            Error = error,
            Time = time ?? TimeProvider.System,
            ComputerName = "Alice-MacBook",
            DefaultState = Path.Combine(Path.GetTempPath(), "latchkey-desktop-never-used-" + Guid.NewGuid().ToString("N")),
            Server = server is null ? null : _ => server,
        };
        var exit = await DesktopCommandLine.RunAsync(args, environment, TestContext.Current.CancellationToken);
        return new CliRun(exit, output.ToString(), error.ToString());
    }

    public string[] OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
}
