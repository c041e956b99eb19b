using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Server.Features.Policies;
using Latchkey.Server.Tests.Infrastructure;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 12 items 1, 2 and 7: the Policies API (okta-api.md §5) through the real HTTP pipeline: policies and rules,
/// priorities, the catch-all rule, validation naming the field, app binding, simulation (SCENARIOS.md B1), roles and log
/// events, and the CLI <c>latchkey simulate</c>.
/// </summary>
public sealed class PoliciesApiTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private ApiClient Api => server.Api;

    private static JsonObject AccessPolicy(string? name = null) => new()
    {
        ["type"] = "ACCESS_POLICY", ["name"] = name ?? "Policy " + ServerFixture.Unique(), ["description"] = "made by a test",
    };

    private static JsonObject AccessRule(string name, string access = "ALLOW", JsonObject? conditions = null, JsonNode? constraints = null, int? priority = null)
    {
        var rule = new JsonObject
        {
            ["type"] = "ACCESS_POLICY", ["name"] = name, ["conditions"] = conditions,
            ["actions"] = new JsonObject
            {
                ["appSignOn"] = new JsonObject
                {
                    ["access"] = access,
                    ["verificationMethod"] = new JsonObject
                    {
                        ["type"] = "ASSURANCE", ["factorMode"] = "1FA", ["reauthenticateIn"] = "PT0S", ["constraints"] = constraints ?? new JsonArray(),
                    },
                },
            },
        };
        if (priority is { } p)
        {
            rule["priority"] = p;
        }

        return rule;
    }

    private static JsonObject ManagedDevice() => new() { ["device"] = new JsonObject { ["registered"] = true, ["managed"] = true } };

    private async Task<JsonObject> CreatePolicyAsync(string? name = null) =>
        (await Api.PostAsync("/api/v1/policies", AccessPolicy(name))).Expect(HttpStatusCode.OK).Object;

    private async Task<JsonArray> RulesAsync(string policyId) =>
        (await Api.GetAsync($"/api/v1/policies/{policyId}/rules")).Expect(HttpStatusCode.OK).Array;

    /// <summary>The org's default access policy (last of the list, which this class's tests make long).</summary>
    private async Task<JsonNode> SystemAccessPolicyAsync() =>
        (await Api.GetAsync("/api/v1/policies?type=ACCESS_POLICY&limit=200")).Expect(HttpStatusCode.OK).Array.Single(p => (bool)p!["system"]!)!;

    private async Task<JsonObject> CatchAllAsync(string policyId) => (JsonObject)(await RulesAsync(policyId)).Single(r => (bool)r!["system"]!)!;

    [Fact]
    public async Task Listing_needs_a_type_and_a_new_org_has_a_system_default_policy_of_each_type_with_its_catch_all_rule()
    {
        (await Api.GetAsync("/api/v1/policies")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        var bad = (await Api.GetAsync("/api/v1/policies?type=NOPE")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: type", (string?)bad["errorSummary"]);
        foreach (var type in new[] { "ACCESS_POLICY", "OKTA_SIGN_ON", "MFA_ENROLL", "PASSWORD", "PROFILE_ENROLLMENT", "DEVICE_SIGNAL_COLLECTION" })
        {
            var list = (await Api.GetAsync($"/api/v1/policies?type={type}&expand=rules")).Expect(HttpStatusCode.OK).Array;
            var policy = list.Single(p => (bool)p!["system"]!)!;
            Assert.Equal(type, (string?)policy["type"]);
            Assert.Equal("Default Policy", (string?)policy["name"]);
            var rules = policy["_embedded"]!["rules"]!.AsArray();
            var catchAll = rules.Single(r => (bool)r!["system"]!)!;
            Assert.Equal(type == "OKTA_SIGN_ON" ? "SIGN_ON" : type, (string?)catchAll["type"]);
            Wire.AssertId((string)catchAll["id"]!, "rul");
        }

        var access = await SystemAccessPolicyAsync();
        var rule = await CatchAllAsync((string)access["id"]!);
        Assert.Equal("Catch-all Rule", (string?)rule["name"]);
        Assert.Null(rule["conditions"]);
        Assert.Equal("ALLOW", (string?)rule["actions"]!["appSignOn"]!["access"]);
        var method = rule["actions"]!["appSignOn"]!["verificationMethod"]!;
        Assert.Equal("ASSURANCE", (string?)method["type"]);
        Assert.Equal("1FA", (string?)method["factorMode"]);
        Assert.Equal("PT12H", (string?)method["reauthenticateIn"]);
        Assert.Empty(method["constraints"]!.AsArray());
    }

    [Fact]
    public async Task A_policy_is_created_read_replaced_deactivated_activated_and_deleted_with_a_log_event_for_each_write()
    {
        var policy = await CreatePolicyAsync();
        var id = ServerFixture.Id(policy);
        Wire.AssertId(id, "rst");
        Assert.Equal("ACTIVE", (string?)policy["status"]);
        Assert.False((bool)policy["system"]!);
        Wire.AssertSelf(policy, Api.BaseAddress, $"/api/v1/policies/{id}");
        Assert.Single(await RulesAsync(id));

        var got = (await Api.GetAsync($"/api/v1/policies/{id}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal((string?)policy["name"], (string?)got["name"]);

        got["name"] = "Renamed " + ServerFixture.Unique();
        got["description"] = "changed";
        var replaced = (await Api.PutAsync($"/api/v1/policies/{id}", got)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal((string?)got["name"], (string?)replaced["name"]);
        Assert.Equal("changed", (string?)replaced["description"]);

        (await Api.PostAsync($"/api/v1/policies/{id}/lifecycle/deactivate")).Expect(HttpStatusCode.NoContent);
        Assert.Equal("INACTIVE", (string?)(await Api.GetAsync($"/api/v1/policies/{id}")).Object["status"]);
        Assert.Single((await Api.GetAsync($"/api/v1/policies?type=ACCESS_POLICY&status=INACTIVE")).Array, p => (string?)p!["id"] == id);
        (await Api.PostAsync($"/api/v1/policies/{id}/lifecycle/activate")).Expect(HttpStatusCode.NoContent);
        Assert.Equal("ACTIVE", (string?)(await Api.GetAsync($"/api/v1/policies/{id}")).Object["status"]);

        (await Api.DeleteAsync($"/api/v1/policies/{id}")).Expect(HttpStatusCode.NoContent);
        (await Api.GetAsync($"/api/v1/policies/{id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");

        var events = (await Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"target.id eq \"{id}\"")}")).Expect(HttpStatusCode.OK).Array
            .Select(e => (string)e!["eventType"]!).ToList();
        Assert.Equal(["policy.lifecycle.create", "policy.lifecycle.activate", "policy.lifecycle.update", "policy.lifecycle.deactivate",
            "policy.lifecycle.activate", "policy.lifecycle.delete"], events);
    }

    [Fact]
    public async Task The_system_default_policy_cannot_be_deleted_or_deactivated_and_a_policy_bound_to_an_app_cannot_be_deleted()
    {
        var system = await SystemAccessPolicyAsync();
        var refusal = (await Api.DeleteAsync($"/api/v1/policies/{system["id"]}")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains("system policy", ApiResponse.Causes(refusal)[0], StringComparison.Ordinal);
        (await Api.PostAsync($"/api/v1/policies/{system["id"]}/lifecycle/deactivate")).ExpectError(HttpStatusCode.BadRequest, "E0000001");

        var policy = await CreatePolicyAsync();
        var app = await server.CreateBookmarkAppAsync();
        (await Api.PutAsync($"/api/v1/apps/{app["id"]}/policies/{policy["id"]}")).Expect(HttpStatusCode.NoContent);
        var bound = (await Api.DeleteAsync($"/api/v1/policies/{policy["id"]}")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains("1 app(s)", ApiResponse.Causes(bound)[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_app_is_bound_to_an_access_policy_its_link_follows_and_the_policy_lists_it_but_another_type_is_refused()
    {
        var policy = await CreatePolicyAsync();
        var app = await server.CreateBookmarkAppAsync();
        var appId = ServerFixture.Id(app);
        (await Api.PutAsync($"/api/v1/apps/{appId}/policies/{policy["id"]}")).Expect(HttpStatusCode.NoContent);
        var reread = (await Api.GetAsync($"/api/v1/apps/{appId}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(new Uri(Api.BaseAddress, $"/api/v1/policies/{policy["id"]}").ToString(), (string?)reread["_links"]!["accessPolicy"]!["href"]);
        var apps = (await Api.GetAsync($"/api/v1/policies/{policy["id"]}/app")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal([appId], apps.Select(a => (string)a!["id"]!));

        var password = (await Api.GetAsync("/api/v1/policies?type=PASSWORD")).Array[0]!;
        var wrong = (await Api.PutAsync($"/api/v1/apps/{appId}/policies/{password["id"]}")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: policyId", (string?)wrong["errorSummary"]);
        (await Api.PutAsync($"/api/v1/apps/{appId}/policies/rstNoSuchPolicy00000")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task An_access_policy_s_mappings_are_its_apps_read_by_id_and_deleting_one_gives_the_app_back_to_the_default_policy()
    {
        var policy = ServerFixture.Id(await CreatePolicyAsync());
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        Assert.Empty((await Api.GetAsync($"/api/v1/policies/{policy}/mappings")).Expect(HttpStatusCode.OK).Array);
        (await Api.PutAsync($"/api/v1/apps/{app}/policies/{policy}")).Expect(HttpStatusCode.NoContent);

        var mapping = (await Api.GetAsync($"/api/v1/policies/{policy}/mappings")).Expect(HttpStatusCode.OK).Array.Single()!;
        var mappingId = (string)mapping["id"]!;
        Wire.AssertId(mappingId, "map");
        Assert.Equal(new Uri(Api.BaseAddress, $"/api/v1/apps/{app}").ToString(), (string?)mapping["_links"]!["application"]!["href"]);
        Assert.Equal(new Uri(Api.BaseAddress, $"/api/v1/policies/{policy}").ToString(), (string?)mapping["_links"]!["policy"]!["href"]);
        Wire.AssertSelf((JsonObject)mapping, Api.BaseAddress, $"/api/v1/policies/{policy}/mappings/{mappingId}");
        var got = (await Api.GetAsync($"/api/v1/policies/{policy}/mappings/{mappingId}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(mapping.ToJsonString(), got.ToJsonString());

        // Another policy's mapping id, or a made-up one: 404.
        var other = ServerFixture.Id(await CreatePolicyAsync());
        (await Api.GetAsync($"/api/v1/policies/{other}/mappings/{mappingId}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.DeleteAsync($"/api/v1/policies/{policy}/mappings/mapNoSuchMapping0000")).ExpectError(HttpStatusCode.NotFound, "E0000007");

        (await Api.DeleteAsync($"/api/v1/policies/{policy}/mappings/{mappingId}")).Expect(HttpStatusCode.NoContent);
        Assert.Empty((await Api.GetAsync($"/api/v1/policies/{policy}/mappings")).Expect(HttpStatusCode.OK).Array);
        var system = (string)(await SystemAccessPolicyAsync())["id"]!;
        var reread = (await Api.GetAsync($"/api/v1/apps/{app}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(new Uri(Api.BaseAddress, $"/api/v1/policies/{system}").ToString(), (string?)reread["_links"]!["accessPolicy"]!["href"]);
        (await Api.GetAsync($"/api/v1/policies/{policy}/mappings/{mappingId}")).ExpectError(HttpStatusCode.NotFound, "E0000007");

        // The default policy's mapping of the app is listed, and cannot be deleted: every app has an access policy.
        var back = (await Api.GetAsync($"/api/v1/policies/{system}/mappings")).Expect(HttpStatusCode.OK).Array
            .Single(m => ((string?)m!["_links"]!["application"]!["href"])!.EndsWith(app, StringComparison.Ordinal))!;
        var refused = (await Api.DeleteAsync($"/api/v1/policies/{system}/mappings/{back["id"]}")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: mapping", (string?)refused["errorSummary"]);

        var events = (await Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"eventType eq \"policy.mapping.create\" and target.id eq \"{app}\"")}"))
            .Expect(HttpStatusCode.OK).Array;
        Assert.Equal([policy, system], events.Select(e => (string)e!["target"]!.AsArray().First(t => (string?)t!["type"] == "Policy")!["id"]!));
    }

    [Fact]
    public async Task A_policy_is_cloned_with_its_rules_as_Copy_of_its_name_and_a_clone_of_the_default_policy_is_an_ordinary_policy()
    {
        var source = await CreatePolicyAsync();
        var sourceId = ServerFixture.Id(source);
        (await Api.PostAsync($"/api/v1/policies/{sourceId}/rules", AccessRule("Managed", conditions: ManagedDevice()))).Expect(HttpStatusCode.OK);
        (await Api.PostAsync($"/api/v1/policies/{sourceId}/rules?activate=false", AccessRule("Nobody", "DENY"))).Expect(HttpStatusCode.OK);
        var catchAll = await CatchAllAsync(sourceId);
        catchAll["actions"]!["appSignOn"]!["access"] = "DENY";
        (await Api.PutAsync($"/api/v1/policies/{sourceId}/rules/{catchAll["id"]}", catchAll)).Expect(HttpStatusCode.OK);

        var clone = (await Api.PostAsync($"/api/v1/policies/{sourceId}/clone")).Expect(HttpStatusCode.OK).Object;
        var cloneId = ServerFixture.Id(clone);
        Wire.AssertId(cloneId, "rst");
        Assert.NotEqual(sourceId, cloneId);
        Assert.Equal($"Copy of {source["name"]}", (string?)clone["name"]);
        Assert.Equal(("ACCESS_POLICY", "ACTIVE", "made by a test", false),
            ((string?)clone["type"], (string?)clone["status"], (string?)clone["description"], (bool)clone["system"]!));
        static string Shape(JsonNode r) =>
            $"{r["name"]} {r["priority"]} {r["status"]} {r["system"]} {r["conditions"]?.ToJsonString()} {r["actions"]!.ToJsonString()}";
        var sourceRules = await RulesAsync(sourceId);
        var cloneRules = await RulesAsync(cloneId);
        Assert.Equal(sourceRules.Select(r => Shape(r!)), cloneRules.Select(r => Shape(r!)));
        Assert.Empty(cloneRules.Select(r => (string)r!["id"]!).Intersect(sourceRules.Select(r => (string)r!["id"]!)));
        Assert.Empty((await Api.GetAsync($"/api/v1/policies/{cloneId}/mappings")).Expect(HttpStatusCode.OK).Array);

        // The clone is a policy of its own: editing it leaves the source alone.
        (await Api.DeleteAsync($"/api/v1/policies/{cloneId}/rules/{cloneRules[0]!["id"]}")).Expect(HttpStatusCode.NoContent);
        Assert.Equal(3, (await RulesAsync(sourceId)).Count);

        Assert.Equal($"Copy of {source["name"]} (2)", (string?)(await Api.PostAsync($"/api/v1/policies/{sourceId}/clone")).Expect(HttpStatusCode.OK).Object["name"]);
        var events = (await Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"target.id eq \"{cloneId}\"")}")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal("policy.lifecycle.create", (string?)events[0]!["eventType"]);

        // A copy of the default policy (a system one) can be changed and deleted like any other.
        var system = await SystemAccessPolicyAsync();
        var copy = (await Api.PostAsync($"/api/v1/policies/{system["id"]}/clone")).Expect(HttpStatusCode.OK).Object;
        Assert.False((bool)copy["system"]!);
        Assert.Equal(ServerFixture.Id(copy), (string?)(await Api.GetAsync("/api/v1/policies?type=ACCESS_POLICY&limit=200")).Array[^2]!["id"]);
        (await Api.DeleteAsync($"/api/v1/policies/{copy["id"]}")).Expect(HttpStatusCode.NoContent);
        (await Api.PostAsync("/api/v1/policies/rstNoSuchPolicy00000/clone")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task Rules_are_created_in_priority_order_shifting_the_others_and_the_catch_all_stays_last()
    {
        var policy = ServerFixture.Id(await CreatePolicyAsync());
        var a = (await Api.PostAsync($"/api/v1/policies/{policy}/rules", AccessRule("A"))).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(1, (int)a["priority"]!);
        Assert.Equal("ACTIVE", (string?)a["status"]);
        (await Api.PostAsync($"/api/v1/policies/{policy}/rules", AccessRule("B"))).Expect(HttpStatusCode.OK);
        (await Api.PostAsync($"/api/v1/policies/{policy}/rules", AccessRule("C", priority: 1))).Expect(HttpStatusCode.OK);
        (await Api.PostAsync($"/api/v1/policies/{policy}/rules", AccessRule("D", priority: 50))).Expect(HttpStatusCode.OK);
        var inactive = (await Api.PostAsync($"/api/v1/policies/{policy}/rules?activate=false", AccessRule("E"))).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("INACTIVE", (string?)inactive["status"]);

        var rules = await RulesAsync(policy);
        Assert.Equal(["C", "A", "B", "D", "E", "Catch-all Rule"], rules.Select(r => (string)r!["name"]!));
        Assert.Equal([1, 2, 3, 4, 5, 6], rules.Select(r => (int)r!["priority"]!));

        // Moving B to the top shifts C and A down.
        var b = (JsonObject)rules[2]!;
        b["priority"] = 1;
        (await Api.PutAsync($"/api/v1/policies/{policy}/rules/{b["id"]}", b)).Expect(HttpStatusCode.OK);
        Assert.Equal(["B", "C", "A", "D", "E", "Catch-all Rule"], (await RulesAsync(policy)).Select(r => (string)r!["name"]!));

        (await Api.DeleteAsync($"/api/v1/policies/{policy}/rules/{a["id"]}")).Expect(HttpStatusCode.NoContent);
        rules = await RulesAsync(policy);
        Assert.Equal(["B", "C", "D", "E", "Catch-all Rule"], rules.Select(r => (string)r!["name"]!));
        Assert.Equal([1, 2, 3, 4, 5], rules.Select(r => (int)r!["priority"]!));

        (await Api.PostAsync($"/api/v1/policies/{policy}/rules/{inactive["id"]}/lifecycle/activate")).Expect(HttpStatusCode.NoContent);
        Assert.Equal("ACTIVE", (string?)(await Api.GetAsync($"/api/v1/policies/{policy}/rules/{inactive["id"]}")).Object["status"]);
        (await Api.PostAsync($"/api/v1/policies/{policy}/rules/{inactive["id"]}/lifecycle/deactivate")).Expect(HttpStatusCode.NoContent);
        var events = (await Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"target.id eq \"{inactive["id"]}\"")}")).Array
            .Select(e => (string)e!["eventType"]!).ToList();
        Assert.Equal(["policy.rule.add", "policy.rule.activate", "policy.rule.deactivate"], events);
        (await Api.PostAsync($"/api/v1/policies/{policy}/rules", AccessRule("B"))).ExpectError(HttpStatusCode.BadRequest, "E0000001");
    }

    [Fact]
    public async Task The_catch_all_rule_cannot_be_deleted_deactivated_or_moved_but_its_action_can_be_edited()
    {
        var policy = ServerFixture.Id(await CreatePolicyAsync());
        var catchAll = await CatchAllAsync(policy);
        var id = (string)catchAll["id"]!;
        (await Api.DeleteAsync($"/api/v1/policies/{policy}/rules/{id}")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        (await Api.PostAsync($"/api/v1/policies/{policy}/rules/{id}/lifecycle/deactivate")).ExpectError(HttpStatusCode.BadRequest, "E0000001");

        var moved = catchAll.DeepClone().AsObject();
        moved["priority"] = 0;
        var refusal = (await Api.PutAsync($"/api/v1/policies/{policy}/rules/{id}", moved)).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: priority", (string?)refusal["errorSummary"]);

        catchAll["actions"]!["appSignOn"]!["access"] = "DENY";
        var edited = (await Api.PutAsync($"/api/v1/policies/{policy}/rules/{id}", catchAll)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("DENY", (string?)edited["actions"]!["appSignOn"]!["access"]);
        Assert.True((bool)edited["system"]!);
        Assert.Equal("DENY", (string?)(await CatchAllAsync(policy))["actions"]!["appSignOn"]!["access"]);
    }

    public static TheoryData<string, string> BadRules => new()
    {
        { """{"device":{"managed":true}}""", "conditions.device.managed" },
        { """{"riskScore":{"level":"HIGH"}}""", "conditions.riskScore" },
        { """{"platform":{"include":[{"type":"DESKTOP","os":{"type":"BEOS"}}]}}""", "conditions.platform.include[0].os.type" },
        { """{"network":{"connection":"SOMEWHERE"}}""", "conditions.network.connection" },
        { """{"people":{"users":{"include":"00u1"}}}""", "conditions.people.users.include" },
    };

    [Theory]
    [MemberData(nameof(BadRules))]
    public async Task A_bad_condition_is_refused_naming_the_field(string conditions, string field)
    {
        var policy = ServerFixture.Id(await CreatePolicyAsync());
        var error = (await Api.PostAsync($"/api/v1/policies/{policy}/rules", AccessRule("Bad", conditions: JsonNode.Parse(conditions)!.AsObject())))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal($"Api validation failed: {field}", (string?)error["errorSummary"]);
        Assert.StartsWith($"{field}: ", ApiResponse.Causes(error)[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_actions_are_refused_naming_each_field_and_constraints_are_normalised()
    {
        var policy = ServerFixture.Id(await CreatePolicyAsync());
        var bad = AccessRule("Bad", access: "MAYBE");
        var method = bad["actions"]!["appSignOn"]!["verificationMethod"]!;
        method["reauthenticateIn"] = "12 hours";
        method["factorMode"] = "3FA";
        method["constraints"] = JsonNode.Parse("""[{"possession":{"deviceBound":"SOMETIMES","types":["CARRIER_PIGEON"]}}]""");
        var error = (await Api.PostAsync($"/api/v1/policies/{policy}/rules", bad)).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        var summary = (string)error["errorSummary"]!;
        foreach (var field in new[] { "actions.appSignOn.access", "actions.appSignOn.verificationMethod.factorMode",
                     "actions.appSignOn.verificationMethod.reauthenticateIn", "actions.appSignOn.verificationMethod.constraints[0].possession.types[0]",
                     "actions.appSignOn.verificationMethod.constraints[0].possession.deviceBound" })
        {
            Assert.Contains(field, summary, StringComparison.Ordinal);
        }

        // A single constraint object, lower-case types: stored as an array in upper case, with required echoed.
        var good = AccessRule("Good", constraints: JsonNode.Parse("""{"knowledge":{"types":["password"],"reauthenticateIn":"PT2H"},"possession":{"methods":["signed_nonce"],"deviceBound":"required"}}"""),
            conditions: JsonNode.Parse("""{"platform":{"include":[{"type":"DESKTOP","os":{"type":"LINUX"}}]},"network":{"connection":"ZONE","include":["nzoOffice0000000000"]}}""")!.AsObject());
        var rule = (await Api.PostAsync($"/api/v1/policies/{policy}/rules", good)).Expect(HttpStatusCode.OK).Object;
        var constraint = rule["actions"]!["appSignOn"]!["verificationMethod"]!["constraints"]!.AsArray().Single()!;
        Assert.Equal("PASSWORD", (string?)constraint["knowledge"]!["types"]![0]);
        Assert.True((bool)constraint["knowledge"]!["required"]!);
        Assert.Equal("SIGNED_NONCE", (string?)constraint["possession"]!["methods"]![0]);
        Assert.Equal("REQUIRED", (string?)constraint["possession"]!["deviceBound"]);
        Assert.Equal("LINUX", (string?)rule["conditions"]!["platform"]!["include"]![0]!["os"]!["type"]);
        Assert.Equal("ZONE", (string?)rule["conditions"]!["network"]!["connection"]);
    }

    /// <summary>SCENARIOS.md B1: "Require Managed Device", catch-all DENY, "Managed Device Allowed" for registered and managed devices.</summary>
    private async Task<(string PolicyId, string AppId, string UserId)> RequireManagedDeviceAsync()
    {
        var policy = ServerFixture.Id(await CreatePolicyAsync("Require Managed Device " + ServerFixture.Unique()));
        var catchAll = await CatchAllAsync(policy);
        catchAll["actions"]!["appSignOn"]!["access"] = "DENY";
        (await Api.PutAsync($"/api/v1/policies/{policy}/rules/{catchAll["id"]}", catchAll)).Expect(HttpStatusCode.OK);
        var constraints = JsonNode.Parse("""[{"possession":{"authenticationMethods":[{"key":"okta_verify","method":"signed_nonce"}]}}]""");
        (await Api.PostAsync($"/api/v1/policies/{policy}/rules", AccessRule("Managed Device Allowed", conditions: ManagedDevice(), constraints: constraints)))
            .Expect(HttpStatusCode.OK);
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync("Managed Device Check " + ServerFixture.Unique()));
        (await Api.PutAsync($"/api/v1/apps/{app}/policies/{policy}")).Expect(HttpStatusCode.NoContent);
        var user = ServerFixture.Id(await server.CreateUserAsync());
        return (policy, app, user);
    }

    private static JsonArray Simulation(string app, string user, bool registered, bool managed) => new(new JsonObject
    {
        ["appInstance"] = app, ["policyTypes"] = new JsonArray("ACCESS_POLICY"),
        ["policyContext"] = new JsonObject
        {
            ["user"] = new JsonObject { ["id"] = user }, ["groups"] = new JsonObject { ["ids"] = new JsonArray() },
            ["device"] = new JsonObject { ["platform"] = "MACOS", ["registered"] = registered, ["managed"] = managed },
        },
    });

    [Fact]
    public async Task Simulating_B1_a_registered_only_device_is_denied_by_the_catch_all_and_says_device_managed_did_not_match()
    {
        var (policy, app, user) = await RequireManagedDeviceAsync();
        var before = (await Api.GetAsync("/api/v1/logs?limit=1000")).Array.Count;
        var answer = (await Api.PostAsync("/api/v1/policies/simulate?expand=EVALUATED&expand=RULE", Simulation(app, user, registered: true, managed: false)))
            .Expect(HttpStatusCode.OK).Object;
        var evaluation = answer["evaluation"]!.AsArray().Single()!;
        Assert.Equal("ACCESS_POLICY", (string?)evaluation["policyType"]);
        Assert.Equal("DENY", (string?)evaluation["decision"]!["access"]);
        var matched = evaluation["result"]!["policies"]!.AsArray().Single()!;
        Assert.Equal(policy, (string?)matched["id"]);
        Assert.Equal("MATCH", (string?)matched["status"]);
        Assert.Equal("Catch-all Rule", (string?)matched["rules"]![0]!["name"]);
        var missed = evaluation["evaluated"]!["policies"]!.AsArray().Single()!["rules"]!.AsArray().Single()!;
        Assert.Equal("Managed Device Allowed", (string?)missed["name"]);
        Assert.Equal("NOT_MATCH", (string?)missed["status"]);
        var managed = missed["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "device.managed")!;
        Assert.Equal("NOT_MATCH", (string?)managed["status"]);
        Assert.Contains("not managed", (string?)managed["reason"], StringComparison.Ordinal);
        Assert.Equal("MATCH", (string?)missed["conditions"]!.AsArray().Single(c => (string?)c!["type"] == "device.registered")!["status"]);

        // No side effects: nothing was logged.
        Assert.Equal(before, (await Api.GetAsync("/api/v1/logs?limit=1000")).Array.Count);
    }

    [Fact]
    public async Task Simulating_B1_a_registered_and_managed_device_is_allowed_by_the_managed_device_rule_and_without_a_device_it_is_undefined()
    {
        var (_, app, user) = await RequireManagedDeviceAsync();
        var allowed = (await Api.PostAsync("/api/v1/policies/simulate", Simulation(app, user, registered: true, managed: true))).Expect(HttpStatusCode.OK).Object;
        var evaluation = allowed["evaluation"]![0]!;
        Assert.Equal("MATCH", (string?)evaluation["status"]);
        Assert.Equal("ALLOW", (string?)evaluation["decision"]!["access"]);
        var rule = evaluation["result"]!["policies"]![0]!["rules"]![0]!;
        Assert.Equal("Managed Device Allowed", (string?)rule["name"]);
        Assert.All(rule["conditions"]!.AsArray(), c => Assert.Equal("MATCH", (string?)c!["status"]));
        Assert.Empty(evaluation["evaluated"]!["policies"]!.AsArray());

        var body = Simulation(app, user, true, true);
        body[0]!["policyContext"]!.AsObject().Remove("device");
        var noDevice = (await Api.PostAsync("/api/v1/policies/simulate?expand=EVALUATED", body)).Expect(HttpStatusCode.OK).Object["evaluation"]![0]!;
        Assert.Equal("DENY", (string?)noDevice["decision"]!["access"]);
        Assert.Equal("UNDEFINED", (string?)noDevice["undefined"]!["policies"]![0]!["rules"]![0]!["status"]);
    }

    [Fact]
    public async Task The_engine_mapping_keeps_each_rule_s_conditions_access_and_verification_method()
    {
        var (policy, _, _) = await RequireManagedDeviceAsync();
        var rules = await server.WithDbAsync(db => PolicyRuleMapping.RulesAsync(db, policy, TestContext.Current.CancellationToken));
        Assert.Equal(["Managed Device Allowed", "Catch-all Rule"], rules.Select(r => r.Name));
        Assert.Equal(["device.registered", "device.managed"], rules[0].Conditions.Select(c => c.Name));
        Assert.Contains("signed_nonce", rules[0].VerificationMethodJson, StringComparison.Ordinal);
        Assert.Equal(Core.Policies.PolicyAccess.Deny, rules[1].Access);
        Assert.True(rules[1].System);
    }

    [Fact]
    public async Task Simulation_refuses_an_unknown_app_or_user_and_a_missing_app()
    {
        var user = ServerFixture.Id(await server.CreateUserAsync());
        (await Api.PostAsync("/api/v1/policies/simulate", Simulation("0oaNoSuchApp00000000", user, true, true))).ExpectError(HttpStatusCode.NotFound, "E0000007");
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        (await Api.PostAsync("/api/v1/policies/simulate", Simulation(app, "00uNoSuchUser0000000", true, true))).ExpectError(HttpStatusCode.NotFound, "E0000007");
        var missing = (await Api.PostAsync("/api/v1/policies/simulate", JsonNode.Parse("""[{"policyTypes":["ACCESS_POLICY"]}]"""))).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: [0].appInstance", (string?)missing["errorSummary"]);
    }

    [Fact]
    public async Task A_read_only_admin_reads_and_simulates_policies_but_cannot_change_them_and_an_app_admin_cannot_read_them()
    {
        var readOnly = await server.AdminAsync(AdminRole.ReadOnlyAdmin);
        (await readOnly.Api.GetAsync("/api/v1/policies?type=ACCESS_POLICY")).Expect(HttpStatusCode.OK);
        (await readOnly.Api.PostAsync("/api/v1/policies", AccessPolicy())).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        var app = ServerFixture.Id(await server.CreateBookmarkAppAsync());
        (await readOnly.Api.PostAsync("/api/v1/policies/simulate", Simulation(app, readOnly.UserId, true, false))).Expect(HttpStatusCode.OK);

        var orgAdmin = await server.AdminAsync(AdminRole.OrgAdmin);
        (await orgAdmin.Api.PostAsync("/api/v1/policies", AccessPolicy())).Expect(HttpStatusCode.OK);
        var appAdmin = await server.AdminAsync(AdminRole.AppAdmin);
        (await appAdmin.Api.GetAsync("/api/v1/policies?type=ACCESS_POLICY")).ExpectError(HttpStatusCode.Forbidden, "E0000006");
    }

    [Fact]
    public async Task Lists_page_by_priority_filter_by_name_prefix_and_sort_by_name()
    {
        var prefix = "Paged " + ServerFixture.Unique();
        foreach (var n in new[] { "c", "a", "b" })
        {
            await CreatePolicyAsync($"{prefix} {n}");
        }

        var first = (await Api.GetAsync($"/api/v1/policies?type=ACCESS_POLICY&q={ServerFixture.Encode(prefix)}&limit=2")).Expect(HttpStatusCode.OK);
        Assert.Equal([$"{prefix} c", $"{prefix} a"], first.Array.Select(p => (string)p!["name"]!));
        var second = (await Api.GetAsync(first.Next!)).Expect(HttpStatusCode.OK);
        Assert.Equal([$"{prefix} b"], second.Array.Select(p => (string)p!["name"]!));
        Assert.Null(second.Next);
        var byName = (await Api.GetAsync($"/api/v1/policies?type=ACCESS_POLICY&q={ServerFixture.Encode(prefix)}&sortBy=name")).Expect(HttpStatusCode.OK);
        Assert.Equal([$"{prefix} a", $"{prefix} b", $"{prefix} c"], byName.Array.Select(p => (string)p!["name"]!));
    }

    [Fact]
    public async Task A_policy_s_rules_page_with_limit_and_after_in_evaluation_order_the_catch_all_on_the_last_page()
    {
        var policy = ServerFixture.Id(await CreatePolicyAsync());
        foreach (var name in new[] { "First", "Second" })
        {
            (await Api.PostAsync($"/api/v1/policies/{policy}/rules", AccessRule(name))).Expect(HttpStatusCode.OK);
        }

        var whole = (await Api.GetAsync($"/api/v1/policies/{policy}/rules")).Expect(HttpStatusCode.OK);
        Assert.Equal(["First", "Second", "Catch-all Rule"], whole.Array.Select(r => (string)r!["name"]!));
        Assert.Null(whole.Next);
        Assert.EndsWith($"/api/v1/policies/{policy}/rules", whole.Link("self"), StringComparison.Ordinal);

        var first = (await Api.GetAsync($"/api/v1/policies/{policy}/rules?limit=2")).Expect(HttpStatusCode.OK);
        Assert.Equal(["First", "Second"], first.Array.Select(r => (string)r!["name"]!));
        Assert.Contains("limit=2", first.Next, StringComparison.Ordinal);
        var last = (await Api.GetAsync(first.Next!)).Expect(HttpStatusCode.OK);
        Assert.Equal(["Catch-all Rule"], last.Array.Select(r => (string)r!["name"]!));
        Assert.Null(last.Next);

        // A cursor of the policies list is not one of a rules list.
        var policies = (await Api.GetAsync("/api/v1/policies?type=ACCESS_POLICY&limit=1")).Expect(HttpStatusCode.OK);
        var foreign = System.Web.HttpUtility.ParseQueryString(new Uri(policies.Next!).Query)["after"];
        (await Api.GetAsync($"/api/v1/policies/{policy}/rules?after={ServerFixture.Encode(foreign!)}")).Expect(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Latchkey_simulate_prints_the_decision_the_matched_rule_and_each_condition_and_fails_with_a_reason()
    {
        var (_, app, user) = await RequireManagedDeviceAsync();
        var label = (string)(await Api.GetAsync($"/api/v1/apps/{app}")).Object["label"]!;
        var login = (string)(await Api.GetAsync($"/api/v1/users/{user}")).Object["profile"]!["login"]!;
        var org = Api.BaseAddress.ToString();
        var (code, output, error) = await SimulateAsync(new SimulateArguments(login, label, true, false, "MACOS", org, Api.Token));
        Assert.True(code == 0, error);
        Assert.Contains("Decision: DENY", output, StringComparison.Ordinal);
        Assert.Contains("Matched rule: Catch-all Rule (rul", output, StringComparison.Ordinal);
        Assert.Matches(@"device\.managed\s+NOT_MATCH\s+The device is not managed", output);

        (code, output, _) = await SimulateAsync(new SimulateArguments(user, app, true, true, "LINUX", org, Api.Token));
        Assert.Equal(0, code);
        Assert.Contains("Decision: ALLOW", output, StringComparison.Ordinal);
        Assert.Contains("Matched rule: Managed Device Allowed", output, StringComparison.Ordinal);

        (code, _, error) = await SimulateAsync(new SimulateArguments(user, "No Such App " + ServerFixture.Unique(), true, true, null, org, Api.Token));
        Assert.NotEqual(0, code);
        Assert.Contains("no app has the id or label", error, StringComparison.Ordinal);
        (code, _, error) = await SimulateAsync(new SimulateArguments(user, app, true, true, null, org, "not-a-token"));
        Assert.NotEqual(0, code);
        Assert.Contains("E0000011", error, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Output, string Error)> SimulateAsync(SimulateArguments arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await PolicySimulateCommand.RunAsync(arguments, handler: null, output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }
}
