using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Server.Features.NetworkZones;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 12 over HTTP: the Network Zones API (<c>/api/v1/zones</c>) in the spec's shapes, the real service's system
/// zones, validation naming fields, filter and paging, lifecycle and delete rules, roles, System Log events, and the
/// sign-in blocklist (the tests' client connects from 127.0.0.1).
/// </summary>
public sealed class NetworkZonesTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private ApiClient Api => server.Api;

    private static string Q(string expression) => ServerFixture.Encode(expression);

    private static JsonObject Address(string type, string value) => new() { ["type"] = type, ["value"] = value };

    private static JsonObject IpZone(string? name = null, string usage = "POLICY", params JsonObject[] gateways) => new()
    {
        ["type"] = "IP",
        ["name"] = name ?? $"Zone {ServerFixture.Unique()}",
        ["usage"] = usage,
        ["gateways"] = new JsonArray(gateways.Length > 0 ? gateways : [Address("CIDR", "1.2.3.4/24"), Address("RANGE", "2.3.4.5-2.3.4.15")]),
        ["proxies"] = new JsonArray(Address("CIDR", "3.3.4.5/32")),
    };

    private async Task<JsonObject> CreateAsync(JsonObject body) => (await Api.PostAsync("/api/v1/zones", body)).Expect(HttpStatusCode.OK).Object;

    [Fact]
    public async Task Every_org_has_the_real_services_system_zones_active_and_without_addresses()
    {
        var zones = (await Api.GetAsync($"/api/v1/zones?filter={Q("system eq true")}")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(2, zones.Count);
        var legacy = zones.Single(z => (string?)z!["name"] == "LegacyIpZone")!;
        var blocked = zones.Single(z => (string?)z!["name"] == "BlockedIpZone")!;
        Assert.Equal("POLICY", (string?)legacy["usage"]);
        Assert.Equal("BLOCKLIST", (string?)blocked["usage"]);
        foreach (var zone in new[] { legacy, blocked })
        {
            Wire.AssertId((string?)zone["id"], "nzo");
            Assert.Equal("IP", (string?)zone["type"]);
            Assert.Equal("ACTIVE", (string?)zone["status"]);
            Assert.True((bool)zone["system"]!);
            Assert.True(zone.AsObject().ContainsKey("gateways"));
            Assert.Null(zone["gateways"]);
            Assert.Null(zone["proxies"]);
            Wire.AssertDate(zone["created"], "created");
        }
    }

    [Fact]
    public async Task A_system_zone_cannot_be_deleted_even_when_inactive_but_can_be_renamed_and_given_addresses()
    {
        var legacy = (await Api.GetAsync($"/api/v1/zones?filter={Q("system eq true and usage eq \"POLICY\"")}")).Expect(HttpStatusCode.OK).Array.Single()!;
        var id = ServerFixture.Id(legacy);
        var error = (await Api.DeleteAsync($"/api/v1/zones/{id}")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains("system zone", (string?)error["errorSummary"], StringComparison.Ordinal);
        (await Api.PostAsync($"/api/v1/zones/{id}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
        try
        {
            (await Api.DeleteAsync($"/api/v1/zones/{id}")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
            var replaced = (await Api.PutAsync($"/api/v1/zones/{id}", new JsonObject
            {
                ["type"] = "IP", ["name"] = "LegacyIpZone", ["gateways"] = new JsonArray(Address("CIDR", "198.51.100.0/24")),
            })).Expect(HttpStatusCode.OK).Object;
            Assert.True((bool)replaced["system"]!);
            Assert.Equal("198.51.100.0/24", (string?)replaced["gateways"]![0]!["value"]);
            (await Api.PutAsync($"/api/v1/zones/{id}", new JsonObject { ["type"] = "IP", ["name"] = "LegacyIpZone" })).Expect(HttpStatusCode.OK);
        }
        finally
        {
            (await Api.PostAsync($"/api/v1/zones/{id}/lifecycle/activate")).Expect(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task An_ip_zone_is_created_active_for_policies_in_the_specs_shape()
    {
        var name = $"Office {ServerFixture.Unique()}";
        var zone = await CreateAsync(IpZone(name));
        var id = ServerFixture.Id(zone);
        Wire.AssertId(id, "nzo");
        Assert.Equal("IP", (string?)zone["type"]);
        Assert.Equal(name, (string?)zone["name"]);
        Assert.Equal("ACTIVE", (string?)zone["status"]);
        Assert.Equal("POLICY", (string?)zone["usage"]);
        Assert.False((bool)zone["system"]!);
        Wire.AssertDate(zone["created"], "created");
        Wire.AssertDate(zone["lastUpdated"], "lastUpdated");
        Assert.Equal("""[{"type":"CIDR","value":"1.2.3.4/24"},{"type":"RANGE","value":"2.3.4.5-2.3.4.15"}]""", ApiResponse.Compact(zone["gateways"]));
        Assert.Equal("""[{"type":"CIDR","value":"3.3.4.5/32"}]""", ApiResponse.Compact(zone["proxies"]));
        Wire.AssertSelf(zone, Api.BaseAddress, $"/api/v1/zones/{id}");
        Assert.Equal("""["GET","PUT","DELETE"]""", ApiResponse.Compact(zone["_links"]!["self"]!["hints"]!["allow"]));
        Assert.EndsWith($"/api/v1/zones/{id}/lifecycle/deactivate", (string)zone["_links"]!["deactivate"]!["href"]!, StringComparison.Ordinal);
        Assert.Equal("""["POST"]""", ApiResponse.Compact(zone["_links"]!["deactivate"]!["hints"]!["allow"]));
        Assert.Null(zone["_links"]!["activate"]);

        var read = (await Api.GetAsync($"/api/v1/zones/{id}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(ApiResponse.Compact(zone), ApiResponse.Compact(read));
    }

    [Fact]
    public async Task Ipv6_addresses_are_accepted_in_both_forms()
    {
        var zone = await CreateAsync(IpZone(gateways: [Address("CIDR", "2001:db8::/32"), Address("RANGE", "2001:db8::1-2001:db8::ff")]));
        Assert.Equal("2001:db8::/32", (string?)zone["gateways"]![0]!["value"]);
    }

    [Fact]
    public async Task Bad_addresses_are_refused_with_E0000001_naming_the_list_and_one_cause_per_bad_entry()
    {
        var body = IpZone(gateways: [Address("CIDR", "1.2.3/24"), Address("CIDR", "10.0.0.0/8"), Address("RANGE", "1.2.3.40-1.2.3.4")]);
        var error = (await Api.PostAsync("/api/v1/zones", body)).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: gateways", (string?)error["errorSummary"]);
        var causes = ApiResponse.Causes(error);
        Assert.Equal(2, causes.Count);
        Assert.All(causes, c => Assert.StartsWith("gateways: ", c, StringComparison.Ordinal));
        Assert.Contains(causes, c => c.Contains("1.2.3/24", StringComparison.Ordinal));
        Assert.Contains(causes, c => c.Contains("lower address first", StringComparison.Ordinal));

        body = IpZone();
        body["proxies"] = new JsonArray(Address("SUBNET", "1.2.3.0/24"));
        error = (await Api.PostAsync("/api/v1/zones", body)).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: proxies", (string?)error["errorSummary"]);
    }

    [Fact]
    public async Task A_zone_without_a_name_type_or_addresses_is_refused_naming_each_field()
    {
        var error = (await Api.PostAsync("/api/v1/zones", new JsonObject { ["type"] = "IP" })).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: name, gateways", (string?)error["errorSummary"]);
        error = (await Api.PostAsync("/api/v1/zones", new JsonObject { ["type"] = "GEO", ["name"] = "x" })).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: type", (string?)error["errorSummary"]);
        var body = IpZone();
        body["usage"] = "ALLOWLIST";
        (await Api.PostAsync("/api/v1/zones", body)).ExpectError(HttpStatusCode.BadRequest, "E0000001");
    }

    [Fact]
    public async Task At_most_150_addresses_are_allowed_in_a_policy_zones_list()
    {
        static JsonObject[] Many(int count) => Enumerable.Range(0, count).Select(i => Address("CIDR", $"10.{i}.0.0/16")).ToArray();
        var error = (await Api.PostAsync("/api/v1/zones", IpZone(gateways: Many(151)))).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains(ApiResponse.Causes(error), c => c.Contains("At most 150", StringComparison.Ordinal));
        var zone = await CreateAsync(IpZone(gateways: Many(150)));
        (await Api.PostAsync($"/api/v1/zones/{ServerFixture.Id(zone)}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Zone_names_are_unique_in_an_org()
    {
        var name = $"Unique {ServerFixture.Unique()}";
        await CreateAsync(IpZone(name));
        var error = (await Api.PostAsync("/api/v1/zones", IpZone(name))).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: name", (string?)error["errorSummary"]);
    }

    [Fact]
    public async Task Replace_changes_name_usage_and_addresses_but_never_the_type()
    {
        var zone = await CreateAsync(IpZone());
        var id = ServerFixture.Id(zone);
        var name = $"Renamed {ServerFixture.Unique()}";
        var replaced = (await Api.PutAsync($"/api/v1/zones/{id}", new JsonObject
        {
            ["type"] = "IP", ["name"] = name, ["usage"] = "BLOCKLIST", ["gateways"] = new JsonArray(Address("CIDR", "192.0.2.0/24")),
        })).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(name, (string?)replaced["name"]);
        Assert.Equal("BLOCKLIST", (string?)replaced["usage"]);
        Assert.Equal("""[{"type":"CIDR","value":"192.0.2.0/24"}]""", ApiResponse.Compact(replaced["gateways"]));
        Assert.Equal((string?)zone["created"], (string?)replaced["created"]);

        var error = (await Api.PutAsync($"/api/v1/zones/{id}", new JsonObject
        {
            ["type"] = "DYNAMIC", ["name"] = name, ["asns"] = new JsonArray("23457"),
        })).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: type", (string?)error["errorSummary"]);
        (await Api.PutAsync("/api/v1/zones/nzo00000000000000000", IpZone())).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.PostAsync($"/api/v1/zones/{id}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_active_zone_must_be_deactivated_before_it_is_deleted()
    {
        var id = ServerFixture.Id(await CreateAsync(IpZone()));
        var error = (await Api.DeleteAsync($"/api/v1/zones/{id}")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains("Active zones cannot be deleted", (string?)error["errorSummary"], StringComparison.Ordinal);
        Assert.Equal($"id: The zone: {id} is an active zone. Active zones cannot be deleted.", ApiResponse.Causes(error).Single());

        var inactive = (await Api.PostAsync($"/api/v1/zones/{id}/lifecycle/deactivate")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("INACTIVE", (string?)inactive["status"]);
        Assert.EndsWith($"/api/v1/zones/{id}/lifecycle/activate", (string)inactive["_links"]!["activate"]!["href"]!, StringComparison.Ordinal);
        Assert.Null(inactive["_links"]!["deactivate"]);
        Assert.Equal("ACTIVE", (string?)(await Api.PostAsync($"/api/v1/zones/{id}/lifecycle/activate")).Expect(HttpStatusCode.OK).Object["status"]);
        (await Api.PostAsync($"/api/v1/zones/{id}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);

        (await Api.DeleteAsync($"/api/v1/zones/{id}")).Expect(HttpStatusCode.NoContent);
        var missing = (await Api.GetAsync($"/api/v1/zones/{id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        Assert.Equal($"Not found: Resource not found: {id} (NetworkZone)", (string?)missing["errorSummary"]);
    }

    [Fact]
    public async Task The_list_filters_on_id_usage_and_system_and_pages_with_link_headers()
    {
        var a = ServerFixture.Id(await CreateAsync(IpZone()));
        var b = ServerFixture.Id(await CreateAsync(IpZone(usage: "BLOCKLIST")));
        var both = (await Api.GetAsync($"/api/v1/zones?filter={Q($"(id eq \"{a}\" or id eq \"{b}\")")}")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal([a, b], both.Select(z => ServerFixture.Id(z!)).Order(StringComparer.Ordinal));

        var blocklists = (await Api.GetAsync($"/api/v1/zones?filter={Q("usage eq \"BLOCKLIST\"")}")).Expect(HttpStatusCode.OK).Array;
        Assert.All(blocklists, z => Assert.Equal("BLOCKLIST", (string?)z!["usage"]));
        Assert.Contains(blocklists, z => ServerFixture.Id(z!) == b);
        var custom = (await Api.GetAsync($"/api/v1/zones?filter={Q("system eq false")}")).Expect(HttpStatusCode.OK).Array;
        Assert.All(custom, z => Assert.False((bool)z!["system"]!));

        (await Api.GetAsync($"/api/v1/zones?filter={Q("name eq \"x\"")}")).ExpectError(HttpStatusCode.BadRequest, "E0000031");

        var all = (await Api.GetAsync("/api/v1/zones")).Expect(HttpStatusCode.OK).Array.Select(z => ServerFixture.Id(z!)).ToList();
        var pages = await Api.GetAllPagesAsync("/api/v1/zones?limit=2");
        Assert.True(pages.Count > 1);
        Assert.All(pages, p => Assert.NotNull(p.Link("self")));
        Assert.Equal(all, pages.SelectMany(p => p.Array).Select(z => ServerFixture.Id(z!)).ToList());
        Assert.Null(pages[^1].Next);
        (await Api.PostAsync($"/api/v1/zones/{b}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Dynamic_zones_are_stored_and_echoed_and_their_shapes_checked()
    {
        var dynamic = await CreateAsync(new JsonObject
        {
            ["type"] = "DYNAMIC", ["name"] = $"Dyn {ServerFixture.Unique()}",
            ["locations"] = new JsonArray(new JsonObject { ["country"] = "AF", ["region"] = "AF-BGL" }),
            ["proxyType"] = "ANY", ["asns"] = new JsonArray("23457"),
        });
        Assert.Equal("DYNAMIC", (string?)dynamic["type"]);
        Assert.Equal("""[{"country":"AF","region":"AF-BGL"}]""", ApiResponse.Compact(dynamic["locations"]));
        Assert.Equal("ANY", (string?)dynamic["proxyType"]);
        Assert.Equal("""["23457"]""", ApiResponse.Compact(dynamic["asns"]));
        Assert.Null(dynamic["gateways"]);

        var enhanced = await CreateAsync(new JsonObject
        {
            ["type"] = "DYNAMIC_V2", ["name"] = $"Enh {ServerFixture.Unique()}", ["usage"] = "BLOCKLIST",
            ["ipServiceCategories"] = new JsonObject { ["include"] = new JsonArray("ALL_ANONYMIZERS"), ["exclude"] = new JsonArray() },
            ["locations"] = new JsonObject { ["include"] = new JsonArray(), ["exclude"] = new JsonArray() },
        });
        Assert.Equal("""{"include":["ALL_ANONYMIZERS"],"exclude":[]}""", ApiResponse.Compact(enhanced["ipServiceCategories"]));

        var error = (await Api.PostAsync("/api/v1/zones", new JsonObject
        {
            ["type"] = "DYNAMIC", ["name"] = $"Bad {ServerFixture.Unique()}",
            ["locations"] = new JsonArray(new JsonObject { ["country"] = "usa" }), ["asns"] = new JsonArray("AS123"),
        })).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Equal("Api validation failed: locations, asns", (string?)error["errorSummary"]);
        error = (await Api.PostAsync("/api/v1/zones", new JsonObject { ["type"] = "DYNAMIC_V2", ["name"] = $"Empty {ServerFixture.Unique()}" }))
            .ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains("at least one of", ApiResponse.Causes(error).Single(), StringComparison.Ordinal);
        (await Api.PostAsync($"/api/v1/zones/{ServerFixture.Id(enhanced)}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_read_only_admin_reads_zones_but_cannot_change_them()
    {
        var zone = await CreateAsync(IpZone());
        var id = ServerFixture.Id(zone);
        var reader = await server.AdminAsync(AdminRole.ReadOnlyAdmin);
        (await reader.Api.GetAsync("/api/v1/zones")).Expect(HttpStatusCode.OK);
        (await reader.Api.GetAsync($"/api/v1/zones/{id}")).Expect(HttpStatusCode.OK);
        (await reader.Api.PostAsync("/api/v1/zones", IpZone())).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        (await reader.Api.PutAsync($"/api/v1/zones/{id}", IpZone())).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        (await reader.Api.PostAsync($"/api/v1/zones/{id}/lifecycle/deactivate")).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        (await reader.Api.DeleteAsync($"/api/v1/zones/{id}")).ExpectError(HttpStatusCode.Forbidden, "E0000006");

        var appAdmin = await server.AdminAsync(AdminRole.AppAdmin);
        (await appAdmin.Api.GetAsync("/api/v1/zones")).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        var orgAdmin = await server.AdminAsync(AdminRole.OrgAdmin);
        (await orgAdmin.Api.PostAsync($"/api/v1/zones/{id}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Every_zone_change_is_in_the_system_log_with_the_zone_as_target()
    {
        var id = ServerFixture.Id(await CreateAsync(IpZone(usage: "BLOCKLIST", gateways: [Address("CIDR", "203.0.113.0/24")])));
        (await Api.PutAsync($"/api/v1/zones/{id}", IpZone($"Logged {ServerFixture.Unique()}"))).Expect(HttpStatusCode.OK);
        (await Api.PostAsync($"/api/v1/zones/{id}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
        (await Api.PostAsync($"/api/v1/zones/{id}/lifecycle/activate")).Expect(HttpStatusCode.OK);
        (await Api.PostAsync($"/api/v1/zones/{id}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
        (await Api.DeleteAsync($"/api/v1/zones/{id}")).Expect(HttpStatusCode.NoContent);
        foreach (var type in new[] { "zone.create", "zone.make_blacklist", "zone.update", "zone.remove_blacklist", "zone.activate", "zone.deactivate", "zone.delete" })
        {
            var e = (await IdxSignInTests.EventsAsync(server, type, id)).First()!;
            Assert.Equal(server.Admin.Id, (string?)e["actor"]!["id"]);
            Assert.Equal("NetworkZone", (string?)e["target"]![0]!["type"]);
            Assert.Equal("IP", (string?)e["debugContext"]!["debugData"]!["zoneType"]);
        }
    }

    [Fact]
    public async Task An_active_blocklist_zone_refuses_sign_in_from_its_addresses_until_deactivated()
    {
        var user = await server.CreateUserAsync();
        var login = (string)user["profile"]!["login"]!;
        using var client = new SignInClient(server);
        var id = ServerFixture.Id(await CreateAsync(IpZone($"Block loopback {ServerFixture.Unique()}", "BLOCKLIST", Address("CIDR", "127.0.0.1/32"))));
        try
        {
            var idx = (await client.IdxAsync("/idp/idx/introspect", null)).Expect(HttpStatusCode.Forbidden).Object;
            Assert.Contains("errors.E0000006", SignInClient.MessageKeys(idx));
            (await Api.SendRawAsync(HttpMethod.Post, "/api/v1/authn",
                new JsonObject { ["username"] = login, ["password"] = ServerFixture.Password }.ToJsonString(), auth: null))
                .ExpectError(HttpStatusCode.Forbidden, "E0000006");
            var page = await client.SendAsync(HttpMethod.Post, "/", "identifier=x", "application/x-www-form-urlencoded");
            page.Expect(HttpStatusCode.Forbidden);

            // Another address is not in the zone; the admin API is not the sign-in pipeline.
            using var other = new SignInClient(server, "127.0.0.2");
            (await other.IdxAsync("/idp/idx/introspect", null)).Expect(HttpStatusCode.OK);
            (await Api.GetAsync($"/api/v1/zones/{id}")).Expect(HttpStatusCode.OK);

            var blocked = (await IdxSignInTests.EventsAsync(server, "security.request.blocked", id)).First()!;
            Assert.Equal("DENY", (string?)blocked["outcome"]!["result"]);
            Assert.Contains("127.0.0.1", (string?)blocked["outcome"]!["reason"], StringComparison.Ordinal);
        }
        finally
        {
            (await Api.PostAsync($"/api/v1/zones/{id}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
        }

        var success = (await client.SignInAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.OK).Object;
        Assert.Equal("success-redirect", (string?)success["success"]!["name"]);
    }

    [Fact]
    public async Task A_forwarded_address_counts_only_when_the_peer_is_a_zones_trusted_proxy()
    {
        using var http = new HttpClient { BaseAddress = Api.BaseAddress };
        async Task<ApiResponse> IntrospectAsync(string forwarded)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/idp/idx/introspect") { Content = new ByteArrayContent([]) };
            request.Headers.Add("X-Forwarded-For", forwarded);
            var ct = TestContext.Current.CancellationToken;
            using var response = await http.SendAsync(request, ct);
            return new ApiResponse(HttpMethod.Post, request.RequestUri!, response, await response.Content.ReadAsStringAsync(ct));
        }
        var block = ServerFixture.Id(await CreateAsync(IpZone($"Block doc {ServerFixture.Unique()}", "BLOCKLIST", Address("CIDR", "192.0.2.0/24"))));
        string? proxy = null;
        try
        {
            (await IntrospectAsync("192.0.2.7")).Expect(HttpStatusCode.OK); // the peer (127.0.0.1) is not trusted: the header is ignored
            var body = IpZone($"Proxy {ServerFixture.Unique()}", gateways: [Address("CIDR", "198.51.100.0/24")]);
            body["proxies"] = new JsonArray(Address("CIDR", "127.0.0.1/32"));
            proxy = ServerFixture.Id(await CreateAsync(body));
            (await IntrospectAsync("192.0.2.7")).Expect(HttpStatusCode.Forbidden);
            (await IntrospectAsync("198.51.100.9")).Expect(HttpStatusCode.OK);
        }
        finally
        {
            foreach (var zone in new[] { block, proxy }.OfType<string>())
            {
                (await Api.PostAsync($"/api/v1/zones/{zone}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
            }
        }
    }

    [Fact]
    public async Task The_blocklist_reads_zones_from_memory_while_nothing_changes_and_costs_little()
    {
        var snapshots = server.Factory.Services.GetRequiredService<ZoneSnapshots>();
        using var client = new SignInClient(server);
        async Task<double> MillisecondsPerIntrospectAsync()
        {
            for (var i = 0; i < 20; i++)
            {
                (await client.IdxAsync("/idp/idx/introspect", null)).Expect(HttpStatusCode.OK);
            }

            var watch = Stopwatch.StartNew();
            const int N = 200;
            for (var i = 0; i < N; i++)
            {
                (await client.IdxAsync("/idp/idx/introspect", null)).Expect(HttpStatusCode.OK);
            }

            return watch.Elapsed.TotalMilliseconds / N;
        }

        var without = await MillisecondsPerIntrospectAsync();
        var full = Enumerable.Range(0, 1000).Select(i => Address("CIDR", $"10.{i / 250}.{i % 250}.0/24")).ToArray();
        var id = ServerFixture.Id(await CreateAsync(IpZone($"Big block {ServerFixture.Unique()}", "BLOCKLIST", full)));
        try
        {
            (await client.IdxAsync("/idp/idx/introspect", null)).Expect(HttpStatusCode.OK);
            var loads = snapshots.Loads;
            var with = await MillisecondsPerIntrospectAsync();
            Assert.Equal(loads, snapshots.Loads); // 220 requests, no zone read from the database
            TestContext.Current.SendDiagnosticMessage(string.Create(CultureInfo.InvariantCulture,
                $"introspect: {without:F3} ms without a blocklist, {with:F3} ms with a 1000-entry blocklist zone"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[zones] introspect: {without:F3} ms without a blocklist, {with:F3} ms with a 1000-entry blocklist zone"));
        }
        finally
        {
            (await Api.PostAsync($"/api/v1/zones/{id}/lifecycle/deactivate")).Expect(HttpStatusCode.OK);
        }
    }
}
