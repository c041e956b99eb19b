using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 11 item 5: the Devices API (/api/v1/devices, okta-api.md §7.1) over the real HTTP pipeline: the spec's shapes,
/// search, expand, paging, the lifecycle and its rules, the factors a suspended or deactivated device loses, the
/// System Log, and who may do what. Devices are seeded as the authenticator app's enrollment leaves them (<see cref="DeviceSeeds"/>).
/// </summary>
public sealed class DevicesTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private ApiClient Api => server.Api;

    private async Task<SeededDevice> DeviceAsync(int users = 1, string? displayName = null, string platform = "MACOS", string? serial = null,
        JsonObject? profile = null)
    {
        var ids = new List<string>();
        for (var i = 0; i < users; i++)
        {
            ids.Add(ServerFixture.Id(await server.CreateUserAsync()));
        }

        return await server.SeedDeviceAsync(ids, displayName, platform, serial, profile);
    }

    private async Task<JsonObject> GetAsync(string id) => (await Api.GetAsync($"/api/v1/devices/{id}")).Expect(HttpStatusCode.OK).Object;

    private Task<ApiResponse> LifecycleAsync(string id, string operation, ApiClient? api = null) =>
        (api ?? Api).PostAsync($"/api/v1/devices/{id}/lifecycle/{operation}");

    private async Task<List<string>> SearchAsync(string search) =>
        (await Api.GetAsync($"/api/v1/devices?search={ServerFixture.Encode(search)}")).Expect(HttpStatusCode.OK).Array.Select(d => (string)d!["id"]!).ToList();

    private static IEnumerable<string> LinkNames(JsonObject device) => device["_links"]!.AsObject().Select(l => l.Key).Order(StringComparer.Ordinal);

    private Task<ApiResponse> VerifyTotpAsync(SeededEnrollment e) =>
        Api.PostAsync($"/api/v1/users/{e.UserId}/factors/{e.TotpFactorId}/verify", new JsonObject
        {
            ["passCode"] = TotpVerifier.Code(e.TotpSecret, TotpVerifier.StepAt(server.Time.GetUtcNow(), TotpPolicy.Default), TotpPolicy.Default),
        });

    [Fact]
    public async Task A_device_is_listed_and_read_in_the_spec_s_shape_with_the_links_its_status_allows()
    {
        var seeded = await DeviceAsync(serial: "C02XK1" + ServerFixture.Unique(6));
        var device = await GetAsync(seeded.Id);
        Wire.AssertId((string?)device["id"], "guo");
        Assert.Equal("ACTIVE", (string?)device["status"]);
        Wire.AssertDate(device["created"], "created");
        Wire.AssertDate(device["lastUpdated"], "lastUpdated");
        var profile = device["profile"]!;
        Assert.Equal(seeded.DisplayName, (string?)profile["displayName"]);
        Assert.Equal("MACOS", (string?)profile["platform"]);
        Assert.True((bool?)profile["registered"]);
        Assert.Equal("14.5", (string?)profile["osVersion"]);
        Assert.Equal("MacBookPro18,3", (string?)profile["model"]);
        Assert.False((bool?)profile["secureHardwarePresent"]);
        Assert.StartsWith("C02XK1", (string?)profile["serialNumber"], StringComparison.Ordinal);
        Assert.Equal("UDDevice", (string?)device["resourceType"]);
        Assert.Equal(seeded.Id, (string?)device["resourceId"]);
        Assert.True(device.ContainsKey("resourceAlternateId") && device["resourceAlternateId"] is null);
        Assert.Equal(seeded.DisplayName, (string?)device["resourceDisplayName"]!["value"]);
        Assert.False((bool?)device["resourceDisplayName"]!["sensitive"]);
        Assert.Equal(["deactivate", "self", "suspend", "users"], LinkNames(device));
        Assert.EndsWith($"/api/v1/devices/{seeded.Id}", (string?)device["_links"]!["self"]!["href"], StringComparison.Ordinal);
        Assert.EndsWith($"/api/v1/devices/{seeded.Id}/users", (string?)device["_links"]!["users"]!["href"], StringComparison.Ordinal);
        Assert.Equal(["POST"], device["_links"]!["suspend"]!["hints"]!["allow"]!.AsArray().Select(v => (string?)v));

        var listed = (await Api.GetAsync($"/api/v1/devices?search={ServerFixture.Encode($"id eq \"{seeded.Id}\"")}")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(ApiResponse.Compact(device), ApiResponse.Compact(Assert.Single(listed)));
        Assert.Null(listed[0]!["_embedded"]);
    }

    [Fact]
    public async Task Expand_user_embeds_each_device_user_with_the_whole_user_and_user_summary_only_the_names()
    {
        var seeded = await DeviceAsync(users: 2);
        var search = ServerFixture.Encode($"id eq \"{seeded.Id}\"");
        var full = Assert.Single((await Api.GetAsync($"/api/v1/devices?search={search}&expand=user")).Expect(HttpStatusCode.OK).Array)!;
        var users = full["_embedded"]!["users"]!.AsArray();
        Assert.Equal(seeded.Enrollments.Select(e => e.UserId).Order(StringComparer.Ordinal), users.Select(u => (string)u!["user"]!["id"]!).Order(StringComparer.Ordinal));
        var first = users[0]!;
        Assert.Equal("NOT_MANAGED", (string?)first["managementStatus"]);
        Assert.Equal("BIOMETRIC", (string?)first["screenLockType"]);
        Wire.AssertDate(first["created"], "created");
        var user = (await Api.GetAsync($"/api/v1/users/{first["user"]!["id"]}")).Expect(HttpStatusCode.OK).Object;
        Assert.Equal(ApiResponse.Compact(user), ApiResponse.Compact(first["user"]));

        var summary = Assert.Single((await Api.GetAsync($"/api/v1/devices?search={search}&expand=userSummary")).Expect(HttpStatusCode.OK).Array)!;
        var brief = summary["_embedded"]!["users"]![0]!["user"]!.AsObject();
        Assert.Equal(["_links", "id", "profile"], brief.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["email", "firstName", "lastName", "login"], brief["profile"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["self"], brief["_links"]!.AsObject().Select(p => p.Key));

        var users2 = (await Api.GetAsync($"/api/v1/devices/{seeded.Id}/users")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(ApiResponse.Compact(users), ApiResponse.Compact(users2));
    }

    [Fact]
    public async Task Search_finds_devices_by_profile_attributes_stored_or_reported_and_by_status_and_dates()
    {
        var tag = ServerFixture.Unique(8);
        var mac = await DeviceAsync(displayName: $"Studio {tag}", serial: $"SN{tag}MAC");
        var phone = await DeviceAsync(displayName: $"Phone {tag}", platform: "ANDROID", serial: $"SN{tag}AND",
            profile: new JsonObject { ["osVersion"] = $"14.{tag}", ["manufacturer"] = "Google", ["secureHardwarePresent"] = true });

        Assert.Equal([mac.Id], await SearchAsync($"profile.displayName eq \"studio {tag.ToUpperInvariant()}\""));
        Assert.Equal(new[] { mac.Id, phone.Id }.Order(StringComparer.Ordinal), await SearchAsync($"profile.displayName co \"{tag}\""));
        Assert.Equal([phone.Id], await SearchAsync($"profile.displayName co \"{tag}\" and profile.platform eq \"ANDROID\""));
        Assert.Equal([mac.Id], await SearchAsync($"profile.serialNumber sw \"SN{tag}M\""));
        // Attributes only the stored profile holds are searched too.
        Assert.Equal([phone.Id], await SearchAsync($"profile.osVersion eq \"14.{tag}\""));
        Assert.Contains(phone.Id, await SearchAsync("profile.secureHardwarePresent eq true"));
        Assert.DoesNotContain(mac.Id, await SearchAsync("profile.secureHardwarePresent eq true"));
        Assert.Contains(mac.Id, await SearchAsync("status eq \"ACTIVE\""));
        Assert.Contains(mac.Id, await SearchAsync($"lastUpdated ge \"{(string)(await GetAsync(mac.Id))["lastUpdated"]!}\""));
        Assert.Empty(await SearchAsync($"created lt \"2001-01-01T00:00:00.000Z\" and profile.displayName co \"{tag}\""));

        (await Api.GetAsync($"/api/v1/devices?search={ServerFixture.Encode("profile.platform co \"AND\"")}")).ExpectError(HttpStatusCode.BadRequest, "E0000031");
        (await Api.GetAsync($"/api/v1/devices?search={ServerFixture.Encode("owner eq \"x\"")}")).ExpectError(HttpStatusCode.BadRequest, "E0000031");
        (await Api.GetAsync($"/api/v1/devices?search={ServerFixture.Encode("profile.displayName eq")}")).ExpectError(HttpStatusCode.BadRequest, "E0000031");
    }

    [Fact]
    public async Task The_list_pages_with_limit_and_the_next_link_keeping_the_search()
    {
        var tag = ServerFixture.Unique(8);
        var seeded = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            seeded.Add((await DeviceAsync(displayName: $"Paged {tag} {i}")).Id);
        }

        var search = ServerFixture.Encode($"profile.displayName sw \"Paged {tag}\"");
        var seen = new List<string>();
        string? next = $"/api/v1/devices?search={search}&limit=2";
        var pages = 0;
        while (next is not null)
        {
            var page = (await Api.GetAsync(next)).Expect(HttpStatusCode.OK);
            Assert.NotNull(page.Link("self"));
            seen.AddRange(page.Array.Select(d => (string)d!["id"]!));
            next = page.Next;
            pages++;
        }

        Assert.Equal(2, pages);
        Assert.Equal(seeded.Order(StringComparer.Ordinal), seen);
        (await Api.GetAsync("/api/v1/devices?limit=0")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        (await Api.GetAsync("/api/v1/devices?after=notissued")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
    }

    [Fact]
    public async Task Suspend_and_unsuspend_follow_the_rules_and_a_suspended_device_s_totp_factor_is_refused_until_unsuspended()
    {
        var seeded = await DeviceAsync();
        var e = seeded.Enrollments[0];
        (await VerifyTotpAsync(e)).Expect(HttpStatusCode.OK);
        server.Time.Advance(TimeSpan.FromSeconds(30));

        (await LifecycleAsync(seeded.Id, "unsuspend")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        (await LifecycleAsync(seeded.Id, "suspend")).Expect(HttpStatusCode.NoContent);
        var suspended = await GetAsync(seeded.Id);
        Assert.Equal("SUSPENDED", (string?)suspended["status"]);
        Assert.Equal(["deactivate", "self", "unsuspend", "users"], LinkNames(suspended));
        var refused = (await VerifyTotpAsync(e)).ExpectError(HttpStatusCode.Gone, "E0000154");
        Assert.Equal("Invalid factor id, it is not currently active.", (string?)refused["errorSummary"]);

        // Suspending again changes nothing (the lifecycle is idempotent); activating a suspended device is refused with the way out.
        (await LifecycleAsync(seeded.Id, "suspend")).Expect(HttpStatusCode.NoContent);
        Assert.Single(await IdxSignInTests.EventsAsync(server, "device.lifecycle.suspend", seeded.Id));
        var activate = (await LifecycleAsync(seeded.Id, "activate")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains(ApiResponse.Causes(activate), c => c.Contains("unsuspend", StringComparison.Ordinal));

        (await LifecycleAsync(seeded.Id, "unsuspend")).Expect(HttpStatusCode.NoContent);
        Assert.Equal("ACTIVE", (string?)(await GetAsync(seeded.Id))["status"]);
        (await VerifyTotpAsync(e)).Expect(HttpStatusCode.OK);
        var logged = Assert.Single(await IdxSignInTests.EventsAsync(server, "device.lifecycle.unsuspend", seeded.Id))!;
        var target = logged["target"]!.AsArray().Single(t => (string?)t!["id"] == seeded.Id)!;
        Assert.Equal("UDDevice", (string?)target["type"]);
        Assert.Equal(seeded.DisplayName, (string?)target["displayName"]);
        // The factors and the links stayed: suspension is not destructive.
        Assert.Single((await Api.GetAsync($"/api/v1/devices/{seeded.Id}/users")).Expect(HttpStatusCode.OK).Array);
    }

    [Fact]
    public async Task Deactivate_removes_the_user_links_enrollments_factors_and_waiting_pushes_at_once_and_logs_each_removal()
    {
        var seeded = await DeviceAsync(users: 2);
        var other = await DeviceAsync();
        (await LifecycleAsync(seeded.Id, "deactivate")).Expect(HttpStatusCode.NoContent);

        var device = await GetAsync(seeded.Id);
        Assert.Equal("DEACTIVATED", (string?)device["status"]);
        Assert.Equal(["activate", "self", "users"], LinkNames(device));
        Assert.Empty((await Api.GetAsync($"/api/v1/devices/{seeded.Id}/users")).Expect(HttpStatusCode.OK).Array);
        foreach (var e in seeded.Enrollments)
        {
            (await Api.GetAsync($"/api/v1/users/{e.UserId}/factors/{e.TotpFactorId}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
            (await VerifyTotpAsync(e)).ExpectError(HttpStatusCode.NotFound, "E0000007");
            Assert.Empty((await Api.GetAsync($"/api/v1/users/{e.UserId}/devices")).Expect(HttpStatusCode.OK).Array);
            Assert.Single(await IdxSignInTests.EventsAsync(server, "device.user.remove", e.UserId));
            Assert.Single(await IdxSignInTests.EventsAsync(server, "user.mfa.factor.deactivate", e.TotpFactorId));
            Assert.Single(await IdxSignInTests.EventsAsync(server, "user.mfa.factor.deactivate", e.PushFactorId));
        }

        var ids = seeded.Enrollments.Select(e => e.Id).ToList();
        var (enrollments, factors, pushes) = await server.WithDbAsync(async db => (
            await db.DeviceEnrollments.CountAsync(x => ids.Contains(x.Id)),
            await db.UserFactors.CountAsync(f => f.EnrollmentId != null && ids.Contains(f.EnrollmentId)),
            await db.PushChallenges.Where(p => ids.Contains(p.EnrollmentId)).Select(p => p.Status).ToListAsync()));
        Assert.Equal(0, enrollments);
        Assert.Equal(0, factors);
        Assert.Equal(["SUCCESS", "SUCCESS"], pushes); // only the waiting ones were withdrawn; answered ones are history
        Assert.Equal(2, (await IdxSignInTests.EventsAsync(server, "device.user.remove", seeded.Id)).Count);
        Assert.Single(await IdxSignInTests.EventsAsync(server, "device.lifecycle.deactivate", seeded.Id));

        // The other device kept everything.
        Assert.Single((await Api.GetAsync($"/api/v1/devices/{other.Id}/users")).Expect(HttpStatusCode.OK).Array);
        (await VerifyTotpAsync(other.Enrollments[0])).Expect(HttpStatusCode.OK);

        // A deactivated device cannot be suspended; it can be activated again (with nobody on it).
        (await LifecycleAsync(seeded.Id, "suspend")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        (await LifecycleAsync(seeded.Id, "deactivate")).Expect(HttpStatusCode.NoContent);
        Assert.Single(await IdxSignInTests.EventsAsync(server, "device.lifecycle.deactivate", seeded.Id));
        (await LifecycleAsync(seeded.Id, "activate")).Expect(HttpStatusCode.NoContent);
        Assert.Equal("ACTIVE", (string?)(await GetAsync(seeded.Id))["status"]);
        Assert.Single(await IdxSignInTests.EventsAsync(server, "device.lifecycle.activate", seeded.Id));
    }

    [Fact]
    public async Task Only_a_deactivated_device_can_be_deleted_and_then_it_is_gone()
    {
        var seeded = await DeviceAsync();
        var refused = (await Api.DeleteAsync($"/api/v1/devices/{seeded.Id}")).ExpectError(HttpStatusCode.BadRequest, "E0000001");
        Assert.Contains(ApiResponse.Causes(refused), c => c.Contains("only a DEACTIVATED device can be deleted", StringComparison.Ordinal));
        (await LifecycleAsync(seeded.Id, "suspend")).Expect(HttpStatusCode.NoContent);
        (await Api.DeleteAsync($"/api/v1/devices/{seeded.Id}")).ExpectError(HttpStatusCode.BadRequest, "E0000001");

        (await LifecycleAsync(seeded.Id, "deactivate")).Expect(HttpStatusCode.NoContent);
        (await Api.DeleteAsync($"/api/v1/devices/{seeded.Id}")).Expect(HttpStatusCode.NoContent);
        (await Api.GetAsync($"/api/v1/devices/{seeded.Id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.DeleteAsync($"/api/v1/devices/{seeded.Id}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        var deleted = Assert.Single(await IdxSignInTests.EventsAsync(server, "device.lifecycle.delete", seeded.Id))!;
        Assert.Equal("UDDevice", (string?)deleted["target"]![0]!["type"]);
    }

    [Fact]
    public async Task A_user_s_devices_are_listed_with_the_link_s_id_and_the_whole_device()
    {
        var seeded = await DeviceAsync();
        var userId = seeded.Enrollments[0].UserId;
        var second = await server.SeedDeviceAsync([userId], platform: "WINDOWS");
        var listed = (await Api.GetAsync($"/api/v1/users/{userId}/devices")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal(new[] { seeded.Id, second.Id }.Order(StringComparer.Ordinal), listed.Select(d => (string)d!["device"]!["id"]!).Order(StringComparer.Ordinal));
        var first = listed.Single(d => (string?)d!["device"]!["id"] == seeded.Id)!.AsObject();
        // The spec's three, plus Latchkey's managementStatus and why it is not MANAGED (docs/device-integrations.md).
        Assert.Equal(["created", "device", "deviceUserId", "managementStatus", "managementStatusReason"], first.Select(p => p.Key).Order(StringComparer.Ordinal));
        Wire.AssertId((string?)first["deviceUserId"], "lnk");
        Wire.AssertDate(first["created"], "created");
        Assert.Equal(ApiResponse.Compact(await GetAsync(seeded.Id)), ApiResponse.Compact(first["device"]));
        // The same link keeps its id.
        var again = (await Api.GetAsync($"/api/v1/users/{userId}/devices")).Expect(HttpStatusCode.OK).Array;
        Assert.Equal((string?)first["deviceUserId"], (string?)again.Single(d => (string?)d!["device"]!["id"] == seeded.Id)!["deviceUserId"]);
        Assert.NotEqual((string?)listed[0]!["deviceUserId"], (string?)listed[1]!["deviceUserId"]);
    }

    [Fact]
    public async Task An_unknown_device_or_user_is_404_E0000007_naming_it()
    {
        const string missing = "guoNoSuchDevice00000";
        var error = (await Api.GetAsync($"/api/v1/devices/{missing}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        Assert.Equal($"Not found: Resource not found: {missing} (Device)", (string?)error["errorSummary"]);
        (await Api.GetAsync($"/api/v1/devices/{missing}/users")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        (await Api.DeleteAsync($"/api/v1/devices/{missing}")).ExpectError(HttpStatusCode.NotFound, "E0000007");
        foreach (var operation in new[] { "activate", "deactivate", "suspend", "unsuspend" })
        {
            (await LifecycleAsync(missing, operation)).ExpectError(HttpStatusCode.NotFound, "E0000007");
        }

        (await Api.GetAsync("/api/v1/users/00uNoSuchUser0000000/devices")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }

    [Fact]
    public async Task Read_only_and_help_desk_admins_read_devices_but_only_org_and_super_admins_change_them_and_app_admins_see_none()
    {
        var seeded = await DeviceAsync();
        foreach (var role in new[] { AdminRole.ReadOnlyAdmin, AdminRole.HelpDeskAdmin })
        {
            var api = (await server.AdminAsync(role)).Api;
            (await api.GetAsync("/api/v1/devices?expand=user")).Expect(HttpStatusCode.OK);
            (await api.GetAsync($"/api/v1/devices/{seeded.Id}")).Expect(HttpStatusCode.OK);
            (await api.GetAsync($"/api/v1/devices/{seeded.Id}/users")).Expect(HttpStatusCode.OK);
            (await api.GetAsync($"/api/v1/users/{seeded.Enrollments[0].UserId}/devices")).Expect(HttpStatusCode.OK);
            (await LifecycleAsync(seeded.Id, "suspend", api)).ExpectError(HttpStatusCode.Forbidden, "E0000006");
            (await LifecycleAsync(seeded.Id, "deactivate", api)).ExpectError(HttpStatusCode.Forbidden, "E0000006");
            (await api.DeleteAsync($"/api/v1/devices/{seeded.Id}")).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        }

        var appAdmin = (await server.AdminAsync(AdminRole.AppAdmin)).Api;
        (await appAdmin.GetAsync("/api/v1/devices")).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        (await appAdmin.GetAsync($"/api/v1/users/{seeded.Enrollments[0].UserId}/devices")).ExpectError(HttpStatusCode.Forbidden, "E0000006");
        Assert.Equal("ACTIVE", (string?)(await GetAsync(seeded.Id))["status"]);

        var orgAdmin = await server.AdminAsync(AdminRole.OrgAdmin);
        (await LifecycleAsync(seeded.Id, "suspend", orgAdmin.Api)).Expect(HttpStatusCode.NoContent);
        var logged = Assert.Single(await IdxSignInTests.EventsAsync(server, "device.lifecycle.suspend", seeded.Id))!;
        Assert.Equal(orgAdmin.UserId, (string?)logged["actor"]!["id"]);
    }
}
