using System.Net;
using System.Text.Json.Nodes;
using CsCheck;
using Latchkey.Server.Tests.Infrastructure;
using Latchkey.Verify;
using Latchkey.Verify.Channel;
using Latchkey.Verify.FastPass;
using Latchkey.Verify.Mdm;
using Latchkey.Verify.State;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 12's property test over the real server: for random access policies made through the Management API (people
/// include/exclude of users and groups, device registered/managed, platform, network zone, allow/deny, a few
/// verification methods, inactive rules) and random requests (a user in or out of groups, signed in with a password,
/// with FastPass from a registered device, or from a managed one), <c>POST /api/v1/policies/simulate</c> and the launch
/// from the dashboard agree on the deciding rule and the outcome: DENY when the simulation denies; when it allows,
/// ALLOW if the session meets the rule's verification method and CHALLENGE if not.
/// </summary>
public sealed class AccessPolicyAgreementTests(ServerFixture server) : IClassFixture<ServerFixture>, IDisposable
{
    private const int Cases = 25;

    private readonly string _home = Directory.CreateTempSubdirectory("lk-agreement-").FullName;

    private ApiClient Api => server.Api;
    private string OrgUrl => Api.BaseAddress.GetLeftPart(UriPartial.Authority);
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    /// <summary>How a session signed in: what the simulation is told about its device, and which verification methods it meets.</summary>
    private enum SignedInWith { Password, FastPassRegistered, FastPassManaged }

    private sealed record Person(string UserId, string Login, IReadOnlyList<string> GroupIds);

    private sealed record Session(Person Person, SignedInWith With, string Cookie)
    {
        public override string ToString() => $"{Person.Login} [{string.Join(",", Person.GroupIds)}] {With}";
    }

    /// <summary>
    /// The verification methods the rules pick from, each with the sessions that meet it: any factor in 12 hours; a
    /// password (a FastPass sign-in has none); a device-bound possession factor (a password session has none); FastPass
    /// during this very request (no session here proves anything after the launch began).
    /// </summary>
    private static readonly (string Constraints, string ReauthenticateIn, Func<SignedInWith, bool> MetBy)[] Methods =
    [
        ("[]", "PT12H", _ => true),
        ("""[{"knowledge":{"types":["password"]}}]""", "PT12H", with => with == SignedInWith.Password),
        ("""[{"possession":{"deviceBound":"REQUIRED"}}]""", "PT12H", with => with != SignedInWith.Password),
        ("""[{"possession":{"deviceBound":"REQUIRED","authenticationMethods":[{"key":"okta_verify","method":"signed_nonce"}]}}]""", "PT0S", _ => false),
    ];

    /// <summary>A rule as generated: indexes into the world's users, groups and zones, so the generator needs no server.</summary>
    private sealed record RuleSpec(bool Allow, bool Active, int Method, int[] IncludeUsers, int[] ExcludeUsers, int[] IncludeGroups, int[] ExcludeGroups,
        int Device, int Platform, int Network)
    {
        public override string ToString() =>
            $"{(Allow ? "ALLOW" : "DENY")}{(Active ? "" : " inactive")} m{Method} u+[{string.Join(",", IncludeUsers)}] u-[{string.Join(",", ExcludeUsers)}] "
            + $"g+[{string.Join(",", IncludeGroups)}] g-[{string.Join(",", ExcludeGroups)}] device{Device} platform{Platform} network{Network}";
    }

    private sealed record PolicySpec(RuleSpec[] Rules, bool CatchAllAllows, int CatchAllMethod)
    {
        public override string ToString() => $"[{string.Join("; ", Rules.Select(r => r.ToString()))}] catch-all {(CatchAllAllows ? "ALLOW" : "DENY")} m{CatchAllMethod}";
    }

    /// <summary>Mostly none (a rule with every condition rarely matches anyone), else one or two of <paramref name="count"/>.</summary>
    private static Gen<int[]> Few(int count) => Gen.Int[0, 5].SelectMany(n => n < 4
        ? Gen.Const(Array.Empty<int>())
        : Gen.Int[0, count - 1].Array[n - 3].Select(a => a.Distinct().ToArray()));

    /// <summary>0 (no such condition) half the time, else one of 1 to <paramref name="max"/>.</summary>
    private static Gen<int> Option(int max) => Gen.Int[-max, max].Select(i => Math.Max(i, 0));

    // Device: 0 none, 1 registered, 2 registered and managed, 3 registered and not managed. Platform: 0 none, 1 LINUX, 2 MACOS, 3 not LINUX, 4 any desktop.
    // Network: 0 anywhere, 1 in the loopback zone, 2 not in it, 3 in a zone the client is not in.
    private static readonly Gen<RuleSpec> Rule = Gen.Select(Gen.Bool, Gen.Int[0, 5], Gen.Int[0, Methods.Length - 1],
        Gen.Select(Few(3), Few(3), Few(2), Few(2)), Option(3), Option(4), Option(3),
        (allow, active, method, people, device, platform, network) => new RuleSpec(allow, active > 0, method,
            people.Item1, people.Item2, people.Item3, people.Item4, device, platform, network));

    private static readonly Gen<PolicySpec> Policy = Gen.Select(Rule.Array[0, 4], Gen.Bool, Gen.Int[0, Methods.Length - 1],
        (rules, allows, method) => new PolicySpec(rules, allows, method));

    /// <summary>The people, zones, app and signed-in sessions every case shares.</summary>
    private sealed record World(Person[] People, string[] Groups, string LoopbackZone, string OtherZone, string AppId, string Launch, Session[] Sessions);

    [Fact]
    public async Task Simulation_and_the_dashboard_launch_agree_on_the_rule_and_the_outcome()
    {
        var world = await WorldAsync();
        using var channel = new AppChannelClient(OrgUrl, null, TimeProvider.System);
        var sessions = Gen.Int[0, world.Sessions.Length - 1];

        await Gen.Select(Policy, sessions, sessions).SampleAsync(async (spec, first, second) =>
        {
            var ruleNames = await BindAsync(world, spec);
            foreach (var session in new[] { world.Sessions[first], world.Sessions[second] }.Distinct())
            {
                var simulated = await SimulateAsync(world, session);
                var (outcome, rule, reason) = await LaunchAsync(channel, world, session);
                var context = $"{session}; policy {spec}; rules {string.Join(", ", ruleNames)}";

                Assert.True((string?)simulated["rule"]!["name"] == rule,
                    $"simulation matched \"{simulated["rule"]!["name"]}\", the launch \"{rule}\" ({reason}); {context}");
                var at = ruleNames.IndexOf(rule!);
                var method = at >= 0 && at < spec.Rules.Length ? spec.Rules[at].Method : spec.CatchAllMethod;
                var expected = (string)simulated["access"]! == "DENY" ? "DENY" : Methods[method].MetBy(session.With) ? "ALLOW" : "CHALLENGE";
                Assert.True(expected == outcome, $"simulation says {simulated["access"]} by \"{rule}\" (so {expected}), the launch {outcome}: {reason}; {context}");
            }
        }, iter: Cases, threads: 1);
    }

    private async Task<World> WorldAsync()
    {
        var groups = new[] { ServerFixture.Id(await server.CreateGroupAsync()), ServerFixture.Id(await server.CreateGroupAsync()) };
        var app = await server.CreateBookmarkAppAsync("Agreement " + ServerFixture.Unique());
        var appId = ServerFixture.Id(app);
        var memberships = new[] { new[] { groups[0] }, [groups[0], groups[1]], [] };
        var people = new List<Person>();
        foreach (var member in memberships)
        {
            var user = await server.CreateUserAsync();
            var userId = ServerFixture.Id(user);
            foreach (var group in member)
            {
                (await Api.PutAsync($"/api/v1/groups/{group}/users/{userId}")).Expect(HttpStatusCode.NoContent);
            }

            (await Api.PostAsync($"/api/v1/apps/{appId}/users", new JsonObject { ["id"] = userId })).Expect(HttpStatusCode.OK);
            people.Add(new Person(userId, (string)user["profile"]!["login"]!, member));
        }

        var loopback = await ZoneAsync("Loopback", "127.0.0.1/32", "::1/128");
        var other = await ZoneAsync("Elsewhere", "203.0.113.0/24");

        // An integration for the devices' platform: every FastPass sign-in now probes management; one device per person
        // has the MDM's certificate installed (MANAGED), the other not (registered only).
        var integration = ServerFixture.Id(await server.CreateIntegrationAsync("LINUX"));
        var sessions = new List<Session>();
        foreach (var person in people)
        {
            using (var page = new PageClient(server))
            {
                var signedIn = await page.SignInAsync(person.Login, ServerFixture.Password);
                Assert.True(signedIn.Status == HttpStatusCode.Redirect, signedIn.Describe());
                sessions.Add(new Session(person, SignedInWith.Password, page.Cookies.GetCookieHeader(page.BaseAddress)));
            }

            sessions.Add(new Session(person, SignedInWith.FastPassRegistered, await FastPassSessionAsync(person, managedBy: null)));
            sessions.Add(new Session(person, SignedInWith.FastPassManaged, await FastPassSessionAsync(person, managedBy: integration)));
            var statuses = (await Api.GetAsync($"/api/v1/users/{person.UserId}/devices")).Expect(HttpStatusCode.OK).Array
                .Select(d => (string?)d!["managementStatus"]).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(["MANAGED", "NOT_MANAGED"], statuses);
        }

        return new World([.. people], groups, loopback, other, appId, new Uri((string)app["_links"]!["appLinks"]![0]!["href"]!).AbsolutePath, [.. sessions]);
    }

    private async Task<string> ZoneAsync(string name, params string[] cidrs) =>
        ServerFixture.Id((await Api.PostAsync("/api/v1/zones", new JsonObject
        {
            ["type"] = "IP", ["name"] = name + " " + ServerFixture.Unique(), ["usage"] = "POLICY",
            ["gateways"] = new JsonArray(cidrs.Select(c => (JsonNode)new JsonObject { ["type"] = "CIDR", ["value"] = c }).ToArray()),
        })).Expect(HttpStatusCode.OK).Object);

    /// <summary>Enrolls a new device (the authenticator app's library) for <paramref name="person"/>, with the MDM's certificate when <paramref name="managedBy"/> names an integration, and signs in with FastPass from it.</summary>
    private async Task<string> FastPassSessionAsync(Person person, string? managedBy)
    {
        var app = new AuthenticatorApp(new VerifyHome(Path.Combine(_home, Guid.NewGuid().ToString("N"))));
        await app.EnrollAsync(OrgUrl, person.Login, ServerFixture.Password, new DeviceDescription("LINUX", "6.1", "Agreement laptop", null, null, null), Ct);
        if (managedBy is not null)
        {
            var credential = new ManagementCredential(app.Home);
            var issued = await server.IssueCertificateAsync(managedBy, credential.CreateSigningRequest("CN=agreement", newKey: false, DateTimeOffset.UtcNow));
            credential.Install((string)issued["certificate"]!, DateTimeOffset.UtcNow);
        }

        return (await new FastPassSignIn(app, new FastPassDevice(app)).SignInAsync(OrgUrl, null, Ct)).Cookie;
    }

    /// <summary>A new access policy built from <paramref name="spec"/>, bound to the app; the rule names in evaluation order (the catch-all last).</summary>
    private async Task<List<string>> BindAsync(World world, PolicySpec spec)
    {
        var policy = ServerFixture.Id((await Api.PostAsync("/api/v1/policies", new JsonObject
        {
            ["type"] = "ACCESS_POLICY", ["name"] = "Agreement " + ServerFixture.Unique(),
        })).Expect(HttpStatusCode.OK).Object);
        var names = new List<string>();
        foreach (var rule in spec.Rules)
        {
            var name = $"Rule {names.Count + 1}";
            (await Api.PostAsync($"/api/v1/policies/{policy}/rules", new JsonObject
            {
                ["type"] = "ACCESS_POLICY", ["name"] = name, ["activate"] = rule.Active, ["conditions"] = Conditions(world, rule),
                ["actions"] = Actions(rule.Allow, rule.Method),
            })).Expect(HttpStatusCode.OK);
            names.Add(name);
        }

        var catchAll = (JsonObject)(await Api.GetAsync($"/api/v1/policies/{policy}/rules")).Expect(HttpStatusCode.OK).Array.Single(r => (bool)r!["system"]!)!;
        catchAll["actions"] = Actions(spec.CatchAllAllows, spec.CatchAllMethod);
        (await Api.PutAsync($"/api/v1/policies/{policy}/rules/{catchAll["id"]}", catchAll)).Expect(HttpStatusCode.OK);
        names.Add((string)catchAll["name"]!);
        (await Api.PutAsync($"/api/v1/apps/{world.AppId}/policies/{policy}")).Expect(HttpStatusCode.NoContent);
        return names;
    }

    private static JsonObject Actions(bool allow, int method) => new()
    {
        ["appSignOn"] = new JsonObject
        {
            ["access"] = allow ? "ALLOW" : "DENY",
            ["verificationMethod"] = new JsonObject
            {
                ["type"] = "ASSURANCE", ["factorMode"] = "1FA", ["reauthenticateIn"] = Methods[method].ReauthenticateIn,
                ["constraints"] = JsonNode.Parse(Methods[method].Constraints),
            },
        },
    };

    private static JsonObject? Conditions(World world, RuleSpec rule)
    {
        var conditions = new JsonObject();
        JsonObject? IncludeExclude(int[] include, int[] exclude, Func<int, string> id)
        {
            var list = new JsonObject();
            if (include.Length > 0)
            {
                list["include"] = new JsonArray(include.Select(i => (JsonNode)id(i)).ToArray());
            }

            if (exclude.Length > 0)
            {
                list["exclude"] = new JsonArray(exclude.Select(i => (JsonNode)id(i)).ToArray());
            }

            return list.Count > 0 ? list : null;
        }

        var users = IncludeExclude(rule.IncludeUsers, rule.ExcludeUsers, i => world.People[i].UserId);
        var groups = IncludeExclude(rule.IncludeGroups, rule.ExcludeGroups, i => world.Groups[i]);
        if (users is not null || groups is not null)
        {
            conditions["people"] = new JsonObject { ["users"] = users, ["groups"] = groups };
        }

        if (rule.Device > 0)
        {
            conditions["device"] = new JsonObject { ["registered"] = true };
            if (rule.Device > 1)
            {
                conditions["device"]!["managed"] = rule.Device == 2;
            }
        }

        JsonObject Os(string type, string os) => new() { ["type"] = type, ["os"] = new JsonObject { ["type"] = os } };
        conditions["platform"] = rule.Platform switch
        {
            1 => new JsonObject { ["include"] = new JsonArray(Os("DESKTOP", "LINUX")) },
            2 => new JsonObject { ["include"] = new JsonArray(Os("DESKTOP", "MACOS")) },
            3 => new JsonObject { ["exclude"] = new JsonArray(Os("DESKTOP", "LINUX")) },
            4 => new JsonObject { ["include"] = new JsonArray(new JsonObject { ["type"] = "DESKTOP" }) },
            _ => null,
        };
        conditions["network"] = rule.Network switch
        {
            1 => new JsonObject { ["connection"] = "ZONE", ["include"] = new JsonArray(world.LoopbackZone) },
            2 => new JsonObject { ["connection"] = "ZONE", ["exclude"] = new JsonArray(world.LoopbackZone) },
            3 => new JsonObject { ["connection"] = "ZONE", ["include"] = new JsonArray(world.OtherZone) },
            _ => null,
        };
        foreach (var empty in conditions.Where(c => c.Value is null).Select(c => c.Key).ToList())
        {
            conditions.Remove(empty);
        }

        return conditions.Count > 0 ? conditions : null;
    }

    /// <summary>The simulation's decision for <paramref name="session"/>: what it knows of the person, the device and the zones the client's address is in.</summary>
    private async Task<JsonNode> SimulateAsync(World world, Session session)
    {
        var context = new JsonObject
        {
            ["user"] = new JsonObject { ["id"] = session.Person.UserId },
            ["zones"] = new JsonObject { ["ids"] = new JsonArray(world.LoopbackZone) },
        };
        if (session.With != SignedInWith.Password)
        {
            context["device"] = new JsonObject { ["platform"] = "LINUX", ["registered"] = true, ["managed"] = session.With == SignedInWith.FastPassManaged };
        }

        var answer = (await Api.PostAsync("/api/v1/policies/simulate", new JsonArray(new JsonObject
        {
            ["appInstance"] = world.AppId, ["policyTypes"] = new JsonArray("ACCESS_POLICY"), ["policyContext"] = context,
        }))).Expect(HttpStatusCode.OK).Object;
        var evaluation = answer["evaluation"]!.AsArray().Single()!;
        var matched = evaluation["result"]!["policies"]!.AsArray().Single()!["rules"]!.AsArray().Single()!;
        Assert.Equal((string?)matched["name"], (string?)evaluation["decision"]!["rule"]!["name"]);
        return evaluation["decision"]!;
    }

    /// <summary>
    /// Opens the app from the dashboard with the session: ALLOW (the redirect to the app), DENY or CHALLENGE from the
    /// <c>Latchkey-Access</c> header. When the launch first asks about the device (a CHALLENGE that starts a step-up),
    /// it carries on as a person who does not verify again: the launch that follows is the decision. The deciding rule is
    /// the one the launch logged.
    /// </summary>
    private async Task<(string Outcome, string? Rule, string Reason)> LaunchAsync(AppChannelClient channel, World world, Session session)
    {
        var answer = await channel.GetPageAsync(OrgUrl + world.Launch, session.Cookie, "text/html", Ct);
        if (answer.Status == HttpStatusCode.Forbidden && answer.Headers.GetValueOrDefault("Latchkey-Access") == "CHALLENGE"
            && answer.SetCookies.FirstOrDefault(c => c.StartsWith("lk_launch=", StringComparison.Ordinal)) is { } stepUp)
        {
            answer = await channel.GetPageAsync(OrgUrl + world.Launch, $"{session.Cookie}; {stepUp}", "text/html", Ct);
        }

        var outcome = answer.Status switch
        {
            HttpStatusCode.Redirect when answer.Location?.StartsWith("https://example.com/", StringComparison.Ordinal) == true => "ALLOW",
            HttpStatusCode.Forbidden => answer.Headers.GetValueOrDefault("Latchkey-Access", "(no Latchkey-Access header)"),
            _ => $"unexpected {(int)answer.Status} {answer.Location}",
        };
        var reason = answer.Headers.TryGetValue("Latchkey-Access-Reason", out var r) ? Uri.UnescapeDataString(r) : "(allowed)";
        var evaluation = (await Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"eventType eq \"policy.evaluate_sign_on\" and actor.id eq \"{session.Person.UserId}\"")}"
            + "&sortOrder=DESCENDING&limit=1")).Expect(HttpStatusCode.OK).Array.Single()!;
        return (outcome, (string?)evaluation["debugContext"]!["debugData"]!["matchedRule"], reason);
    }
}
