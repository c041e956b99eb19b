using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Core.Admin;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.Users;
using Latchkey.Server.Persistence;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Tests;

/// <summary>A server whose super admin (the bootstrap admin) signs in to the console with <see cref="ServerFixture.Password"/>.</summary>
public sealed class ConsoleFixture : ServerFixture, IAsyncLifetime
{
    public new async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var body = new JsonObject { ["credentials"] = new JsonObject { ["password"] = new JsonObject { ["value"] = Password } } };
        (await Api.PostAsync($"/api/v1/users/{Admin.Id}", body)).Expect(HttpStatusCode.OK);
    }

    /// <summary>A page client signed in as <paramref name="login"/> (whose password is <see cref="ServerFixture.Password"/>).</summary>
    public async Task<PageClient> SignedInAsync(string login)
    {
        var browser = new PageClient(this);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.SignInAsync(login, Password)).Status);
        return browser;
    }

    /// <summary>A new user with a password, holding <paramref name="role"/> (a RoleAssignments row, as the role service writes it).</summary>
    public async Task<(string Id, string Login)> UserWithRoleAsync(string? role)
    {
        var user = await CreateUserAsync();
        if (role is not null)
        {
            await WithDbAsync(async db =>
            {
                var now = DateTimeOffset.UtcNow;
                db.RoleAssignments.Add(new RoleAssignmentEntity
                {
                    Id = RandomIds.NewId(IdPrefix.RoleAssignment, now), OrgId = (await db.Orgs.SingleAsync()).Id, AssigneeType = "USER",
                    AssigneeId = Id(user), Type = role, Created = now, LastUpdated = now,
                });
                return await db.SaveChangesAsync();
            });
        }

        return (Id(user), (string)user["profile"]!["login"]!);
    }
}

/// <summary>
/// The admin console through the real HTTP pipeline, as a browser without JavaScript uses it: sign in through the sign-in
/// page's forms, read pages, post their forms with the antiforgery token. Each role sees only its actions, and a forged post
/// of an action the role lacks is refused with 403 and changes nothing.
/// </summary>
public sealed class ConsolePagesTests(ConsoleFixture server) : IClassFixture<ConsoleFixture>
{
    private Task<PageClient> AdminAsync() => server.SignedInAsync(server.Admin.Login);

    private Task<(string Id, string Login)> UserWithRoleAsync(string? role) => server.UserWithRoleAsync(role);

    private Task<PageClient> SignedInAsync(string login) => server.SignedInAsync(login);

    private Task<List<LogEventEntity>> EventsAsync(string eventType, string targetId) => server.WithDbAsync(db =>
        db.LogEvents.AsNoTracking().Where(e => e.EventType == eventType && e.Json.Contains(targetId)).ToListAsync());

    private Task<UserEntity?> UserAsync(string id) => server.WithDbAsync(db => db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == id));

    [Fact]
    public async Task A_visitor_is_sent_to_the_sign_in_page_and_comes_back_after()
    {
        using var visitor = new PageClient(server);
        var page = await visitor.GetAsync("/admin/people");
        Assert.Equal(HttpStatusCode.Redirect, page.Status);
        Assert.Equal("/?fromURI=" + Uri.EscapeDataString("/admin/people"), page.Location);
    }

    [Fact]
    public async Task A_person_without_an_admin_role_gets_403_on_every_console_page()
    {
        var (_, login) = await UserWithRoleAsync(null);
        using var browser = await SignedInAsync(login);
        foreach (var path in new[] { "/admin", "/admin/people", "/admin/groups", "/admin/apps", "/admin/api-tokens", "/admin/system-log" })
        {
            var page = await browser.GetAsync(path);
            Assert.Equal(HttpStatusCode.Forbidden, page.Status);
            Assert.Contains("You are not allowed to do that", page.Html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Every_console_page_renders_for_the_super_admin_with_its_labelled_controls()
    {
        using var admin = await AdminAsync();
        var group = await server.CreateGroupAsync();
        var app = await server.CreateBookmarkAppAsync();
        var expected = new Dictionary<string, string[]>
        {
            ["/admin"] = [],
            ["/admin/people"] = ["First name", "Last name", "Username", "Search people"],
            [$"/admin/people/{server.Admin.Id}"] = ["Role to grant"],
            ["/admin/groups"] = ["Name", "Description", "Search groups"],
            [$"/admin/groups/{ServerFixture.Id(group)}"] = ["Username"],
            ["/admin/apps"] = [],
            ["/admin/apps/catalog"] = ["Label", "URL"],
            [$"/admin/apps/{ServerFixture.Id(app)}"] = ["Label", "URL", "Username", "Group name"],
            ["/admin/api-tokens"] = ["Token name"],
            ["/admin/system-log"] = ["Filter", "Keywords"],
        };
        foreach (var (path, labels) in expected)
        {
            var page = await admin.GetAsync(path);
            Assert.True(page.Status == HttpStatusCode.OK, $"{path}: {(int)page.Status}");
            Assert.Contains("role=\"alert\"", page.Html, StringComparison.Ordinal);
            foreach (var label in labels)
            {
                Assert.True(page.HasLabel(label), $"{path} has a control labelled {label}");
            }
        }

        Assert.True((await admin.GetAsync("/admin/people")).HasButton("Add person"));
        Assert.True((await admin.GetAsync("/admin/groups")).HasButton("Create group"));
        Assert.True((await admin.GetAsync("/admin/apps/catalog")).HasButton("Add app"));
        Assert.True((await admin.GetAsync("/admin/api-tokens")).HasButton("Create token"));
        Assert.Contains("Browse app catalog", (await admin.GetAsync("/admin/apps")).Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_person_creates_them_as_the_api_does_and_logs_the_admin_as_actor()
    {
        using var admin = await AdminAsync();
        var login = $"console.{ServerFixture.Unique()}@example.com";
        var people = await admin.GetAsync("/admin/people");
        var added = await admin.PostAsync("/admin/people?handler=Create", people,
            ("FirstName", "Cora"), ("LastName", "Console"), ("Username", login), ("Email", ""), ("Password", ServerFixture.Password),
            ("Activate", "true"), ("Activate", "false"));
        Assert.Equal(HttpStatusCode.Redirect, added.Status);
        var person = await admin.GetAsync(added.Location!);
        Assert.Contains($"Added Cora Console ({login}), status ACTIVE.", person.StatusMessage, StringComparison.Ordinal);

        var user = await server.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.LoginKey == login));
        Assert.Equal(UserStatus.Active, user.Status);
        Assert.Equal(login, user.Email);
        var created = Assert.Single(await EventsAsync("user.lifecycle.create", user.Id));
        Assert.Contains(server.Admin.Id, created.ActorId, StringComparison.Ordinal);

        // Not activated: STAGED (the checkbox unchecked sends only the hidden "false").
        var staged = $"staged.{ServerFixture.Unique()}@example.com";
        await admin.PostAsync("/admin/people?handler=Create", people,
            ("FirstName", "Sam"), ("LastName", "Staged"), ("Username", staged), ("Activate", "false"));
        Assert.Equal(UserStatus.Staged, (await server.WithDbAsync(db => db.Users.AsNoTracking().SingleAsync(u => u.LoginKey == staged))).Status);
    }

    [Fact]
    public async Task Add_person_refuses_bad_input_with_the_api_s_causes_in_the_alert_and_keeps_what_was_typed()
    {
        using var admin = await AdminAsync();
        var people = await admin.GetAsync("/admin/people");
        var refused = await admin.PostAsync("/admin/people?handler=Create", people,
            ("FirstName", "Nora"), ("LastName", ""), ("Username", "not-an-email"), ("Activate", "true"));
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);

        var api = await server.Api.PostAsync("/api/v1/users", new JsonObject
        {
            ["profile"] = new JsonObject { ["firstName"] = "Nora", ["lastName"] = "", ["email"] = "not-an-email", ["login"] = "not-an-email" },
        });
        api.Expect(HttpStatusCode.BadRequest);
        foreach (var cause in api.Object["errorCauses"]!.AsArray().Select(c => (string)c!["errorSummary"]!))
        {
            Assert.Contains(cause, refused.Alert, StringComparison.Ordinal);
        }

        Assert.Equal("Nora", refused.Field("FirstName"));
        Assert.False(await server.WithDbAsync(db => db.Users.AnyAsync(u => u.LoginKey == "not-an-email")));

        // A taken username: the API's message, nothing written.
        var taken = await admin.PostAsync("/admin/people?handler=Create", people,
            ("FirstName", "Ada"), ("LastName", "Again"), ("Username", server.Admin.Login), ("Activate", "true"));
        Assert.Contains("An object with this field already exists", taken.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lifecycle_actions_follow_the_status_rules_and_are_logged()
    {
        using var admin = await AdminAsync();
        var (id, _) = await UserWithRoleAsync(null);
        var person = await admin.GetAsync($"/admin/people/{id}");
        Assert.True(person.HasButton("Suspend"));
        Assert.False(person.HasButton("Unsuspend"));
        Assert.False(person.HasButton("Delete"));

        var suspended = await admin.SubmitAsync($"/admin/people/{id}?handler=Lifecycle", person, ("operation", "suspend"));
        Assert.Equal(UserStatus.Suspended, (await UserAsync(id))!.Status);
        Assert.Contains("is now SUSPENDED", suspended.StatusMessage, StringComparison.Ordinal);
        Assert.True(suspended.HasButton("Unsuspend"));
        Assert.Single(await EventsAsync("user.lifecycle.suspend", id));

        // A transition the rules refuse (suspending a suspended person) shows the API's refusal and changes nothing.
        var again = await admin.SubmitAsync($"/admin/people/{id}?handler=Lifecycle", suspended, ("operation", "suspend"));
        Assert.NotEqual("", again.Alert);
        Assert.Single(await EventsAsync("user.lifecycle.suspend", id));

        await admin.SubmitAsync($"/admin/people/{id}?handler=Lifecycle", again, ("operation", "unsuspend"));
        Assert.Equal(UserStatus.Active, (await UserAsync(id))!.Status);

        // Reset password: the one-time link is on the answer page, and only there.
        var reset = await admin.PostAsync($"/admin/people/{id}?handler=Lifecycle", again, ("operation", "reset_password"));
        Assert.Equal(HttpStatusCode.OK, reset.Status);
        var link = reset.InputValue("secret-value");
        Assert.NotNull(link);
        Assert.Contains("/reset_password/", link, StringComparison.Ordinal);
        Assert.Equal(UserStatus.Recovery, (await UserAsync(id))!.Status);
        Assert.DoesNotContain(link, (await admin.GetAsync($"/admin/people/{id}")).Html, StringComparison.Ordinal);

        var temp = await admin.PostAsync($"/admin/people/{id}?handler=Lifecycle", reset, ("operation", "expire_password_with_temp_password"));
        var password = temp.InputValue("secret-value")!;
        Assert.True(PasswordHasher.Verify(password, (await UserAsync(id))!.PasswordHash!));
        Assert.Equal(UserStatus.PasswordExpired, (await UserAsync(id))!.Status);

        // Deactivate, then delete for good.
        var deactivated = await admin.SubmitAsync($"/admin/people/{id}?handler=Lifecycle", temp, ("operation", "deactivate"));
        Assert.True(deactivated.HasButton("Delete"));
        var deleted = await admin.SubmitAsync($"/admin/people/{id}?handler=Delete", deactivated);
        Assert.Null(await UserAsync(id));
        Assert.Contains("was deleted", deleted.StatusMessage, StringComparison.Ordinal);
        Assert.Single(await EventsAsync("user.lifecycle.delete.completed", id));
    }

    [Fact]
    public async Task Clear_sessions_ends_the_person_s_sessions()
    {
        using var admin = await AdminAsync();
        var (id, login) = await UserWithRoleAsync(null);
        using var person = await SignedInAsync(login);
        Assert.Equal(HttpStatusCode.OK, (await person.GetAsync("/app/UserHome")).Status);

        var page = await admin.SubmitAsync($"/admin/people/{id}?handler=ClearSessions", await admin.GetAsync($"/admin/people/{id}"));
        Assert.Contains("1 session was ended.", page.StatusMessage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await person.GetAsync("/app/UserHome")).Status);
        Assert.Single(await EventsAsync("user.session.clear", id));
    }

    [Fact]
    public async Task A_help_desk_admin_sees_a_person_s_factors_and_resets_one_then_all_and_each_is_logged()
    {
        var (_, helpDesk) = await UserWithRoleAsync(AdminRole.HelpDeskAdmin);
        var (id, _) = await UserWithRoleAsync(null);
        var okta = (await server.Api.PostAsync($"/api/v1/users/{id}/factors", new JsonObject { ["factorType"] = "token:software:totp", ["provider"] = "OKTA" }))
            .Expect(HttpStatusCode.OK).Object;
        var google = (await server.Api.PostAsync($"/api/v1/users/{id}/factors", new JsonObject { ["factorType"] = "token:software:totp", ["provider"] = "GOOGLE" }))
            .Expect(HttpStatusCode.OK).Object;
        using var browser = await SignedInAsync(helpDesk);

        var page = await browser.GetAsync($"/admin/people/{id}");
        Assert.Contains("Google Authenticator", page.Html, StringComparison.Ordinal);
        Assert.Contains("PENDING_ACTIVATION", page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain((string)okta["_embedded"]!["activation"]!["sharedSecret"]!, page.Html, StringComparison.Ordinal);
        Assert.True(page.HasButton("Reset all factors"));

        var after = await browser.SubmitAsync($"/admin/people/{id}?handler=ResetFactor", page, ("factorId", ServerFixture.Id(google)));
        Assert.Contains("Google Authenticator (token:software:totp) was reset", after.StatusMessage, StringComparison.Ordinal);
        Assert.Single(await EventsAsync("user.mfa.factor.deactivate", ServerFixture.Id(google)));
        Assert.Equal(1, await server.WithDbAsync(db => db.UserFactors.CountAsync(f => f.UserId == id)));

        var forged = await browser.SubmitAsync($"/admin/people/{id}?handler=ResetFactor", after, ("factorId", "ostNoSuchFactor00000"));
        Assert.Contains("Not found", forged.Alert, StringComparison.Ordinal);
        await browser.SubmitAsync($"/admin/people/{id}?handler=Lifecycle", after, ("operation", "reset_factors"));
        Assert.Equal(0, await server.WithDbAsync(db => db.UserFactors.CountAsync(f => f.UserId == id)));
        Assert.Single(await EventsAsync("user.mfa.factor.reset_all", id));
        Assert.Contains("No factors enrolled.", (await browser.GetAsync($"/admin/people/{id}")).Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Security_authenticators_lists_them_and_an_org_admin_deactivates_and_activates_one_while_a_read_only_admin_only_reads()
    {
        using var admin = await AdminAsync();
        var page = await admin.GetAsync("/admin/security/authenticators");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Security Key or Biometric", page.Html, StringComparison.Ordinal);
        Assert.Contains("push, totp, signed_nonce", page.Html, StringComparison.Ordinal);
        Assert.Contains("Always on", page.Html, StringComparison.Ordinal);
        var google = await server.WithDbAsync(db => db.Authenticators.AsNoTracking().SingleAsync(a => a.Key == "google_otp"));

        var off = await admin.SubmitAsync("/admin/security/authenticators?handler=Deactivate", page, ("authenticatorId", google.Id));
        Assert.Contains("Google Authenticator is inactive", off.StatusMessage, StringComparison.Ordinal);
        Assert.Equal("INACTIVE", (await server.WithDbAsync(db => db.Authenticators.AsNoTracking().SingleAsync(a => a.Id == google.Id))).Status);
        Assert.Single(await EventsAsync("security.authenticator.lifecycle.deactivate", google.Id));
        var on = await admin.SubmitAsync("/admin/security/authenticators?handler=Activate", off, ("authenticatorId", google.Id));
        Assert.Contains("Google Authenticator is active", on.StatusMessage, StringComparison.Ordinal);

        var password = await server.WithDbAsync(db => db.Authenticators.AsNoTracking().SingleAsync(a => a.Key == "okta_password"));
        var refused = await admin.SubmitAsync("/admin/security/authenticators?handler=Deactivate", on, ("authenticatorId", password.Id));
        Assert.Contains("The password is required by the org's sign-on and password policies.", refused.Alert, StringComparison.Ordinal);

        var (_, readOnly) = await UserWithRoleAsync(AdminRole.ReadOnlyAdmin);
        using var reader = await SignedInAsync(readOnly);
        var read = await reader.GetAsync("/admin/security/authenticators");
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal(0, read.PostForms);
        var forged = await reader.PostAsync("/admin/security/authenticators?handler=Deactivate", read, ("authenticatorId", google.Id));
        Assert.Equal(HttpStatusCode.Forbidden, forged.Status);
        Assert.Equal("ACTIVE", (await server.WithDbAsync(db => db.Authenticators.AsNoTracking().SingleAsync(a => a.Id == google.Id))).Status);
    }

    [Fact]
    public async Task Authenticator_settings_are_changed_through_the_api_s_rules_and_a_read_only_admin_sees_only_the_values()
    {
        using var admin = await AdminAsync();
        var page = await admin.GetAsync("/admin/security/authenticators");
        Assert.True(page.HasLabel("Number challenge"));
        Assert.True(page.HasLabel("User verification"));
        Assert.True(page.HasButton("Save settings"));
        var verify = await server.WithDbAsync(db => db.Authenticators.AsNoTracking().SingleAsync(a => a.Key == "okta_verify"));
        var webauthn = await server.WithDbAsync(db => db.Authenticators.AsNoTracking().SingleAsync(a => a.Key == "webauthn"));

        var saved = await admin.SubmitAsync("/admin/security/authenticators?handler=Settings", page,
            ("authenticatorId", verify.Id), ("channelBinding.required", "NEVER"), ("userVerification", "DISCOURAGED"));
        Assert.Contains("Okta Verify: settings saved.", saved.StatusMessage, StringComparison.Ordinal);
        var stored = JsonNode.Parse((await server.WithDbAsync(db => db.Authenticators.AsNoTracking().SingleAsync(a => a.Id == verify.Id))).SettingsJson!)!;
        Assert.Equal("NEVER", (string?)stored["channelBinding"]!["required"]);
        Assert.Equal("DISCOURAGED", (string?)stored["userVerification"]);
        Assert.Contains(await EventsAsync("security.authenticator.lifecycle.update", verify.Id), e => e.Json.Contains(server.Admin.Id, StringComparison.Ordinal));

        var key = await admin.SubmitAsync("/admin/security/authenticators?handler=Settings", saved, ("authenticatorId", webauthn.Id), ("webauthn.userVerification", "REQUIRED"));
        Assert.Contains("Security Key or Biometric: settings saved.", key.StatusMessage, StringComparison.Ordinal);
        Assert.Contains("\"userVerification\":\"REQUIRED\"", (await server.WithDbAsync(db => db.Authenticators.AsNoTracking().SingleAsync(a => a.Id == webauthn.Id))).MethodsJson!,
            StringComparison.Ordinal);

        // A forged value the form never offers gets the API's cause, and nothing changes.
        var forged = await admin.SubmitAsync("/admin/security/authenticators?handler=Settings", key, ("authenticatorId", verify.Id), ("userVerification", "REQUIRED"));
        Assert.Contains("settings.userVerification:", forged.Alert, StringComparison.Ordinal);
        Assert.Contains("DISCOURAGED", (await server.WithDbAsync(db => db.Authenticators.AsNoTracking().SingleAsync(a => a.Id == verify.Id))).SettingsJson!, StringComparison.Ordinal);

        var (_, readOnly) = await UserWithRoleAsync(AdminRole.ReadOnlyAdmin);
        using var reader = await SignedInAsync(readOnly);
        var read = await reader.GetAsync("/admin/security/authenticators");
        Assert.Equal(0, read.PostForms);
        Assert.Contains("<dt>Number challenge</dt><dd>Never</dd>", read.Html, StringComparison.Ordinal);
        Assert.Contains("<dt>User verification</dt><dd>Required</dd>", read.Html, StringComparison.Ordinal);
        var refused = await reader.PostAsync("/admin/security/authenticators?handler=Settings", read, ("authenticatorId", verify.Id), ("channelBinding.required", "ALWAYS"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);

        await admin.SubmitAsync("/admin/security/authenticators?handler=Settings", forged,
            ("authenticatorId", verify.Id), ("channelBinding.required", "ALWAYS"), ("userVerification", "PREFERRED"));
        await admin.SubmitAsync("/admin/security/authenticators?handler=Settings", forged, ("authenticatorId", webauthn.Id), ("webauthn.userVerification", "DISCOURAGED"));
        Assert.Contains("ALWAYS", (await server.WithDbAsync(db => db.Authenticators.AsNoTracking().SingleAsync(a => a.Id == verify.Id))).SettingsJson!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Devices_lists_them_with_their_people_and_a_super_admin_suspends_deactivates_and_deletes_one_through_the_api_s_rules()
    {
        var user = await server.CreateUserAsync();
        var login = (string)user["profile"]!["login"]!;
        var tag = ServerFixture.Unique(8);
        var device = await server.SeedDeviceAsync([ServerFixture.Id(user)], $"Desk {tag}", "WINDOWS", $"SER{tag}");
        var other = await server.SeedDeviceAsync([ServerFixture.Id(await server.CreateUserAsync())], $"Other {ServerFixture.Unique(8)}");

        using var admin = await AdminAsync();
        var page = await admin.GetAsync($"/admin/devices?q={tag}");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.True(page.HasLabel("Search devices"));
        Assert.Contains($"Desk {tag}", page.Html, StringComparison.Ordinal);
        Assert.DoesNotContain(other.DisplayName, page.Html, StringComparison.Ordinal);
        Assert.Contains($"{login}</a>: Registered", page.Html, StringComparison.Ordinal);
        Assert.Contains("(not managed: no device integration for ", page.Html, StringComparison.Ordinal);
        Assert.True(page.HasButton("Suspend") && page.HasButton("Deactivate") && !page.HasButton("Delete"));
        Assert.Contains(other.DisplayName, (await admin.GetAsync("/admin/devices?q=macos")).Html, StringComparison.Ordinal);
        Assert.Contains(device.DisplayName, (await admin.GetAsync($"/admin/devices?q=ser{tag}")).Html, StringComparison.Ordinal);

        var suspended = await admin.SubmitAsync("/admin/devices?handler=Lifecycle", page, ("deviceId", device.Id), ("operation", "suspend"));
        Assert.Contains("is suspended", suspended.StatusMessage, StringComparison.Ordinal);
        Assert.Single(await EventsAsync("device.lifecycle.suspend", device.Id));
        var refused = await admin.SubmitAsync("/admin/devices?handler=Delete", suspended, ("deviceId", device.Id));
        Assert.Contains("only a DEACTIVATED device can be deleted", refused.Alert, StringComparison.Ordinal);

        var deactivated = await admin.SubmitAsync("/admin/devices?handler=Lifecycle", refused, ("deviceId", device.Id), ("operation", "deactivate"));
        Assert.Contains("is deactivated", deactivated.StatusMessage, StringComparison.Ordinal);
        Assert.Equal(0, await server.WithDbAsync(db => db.UserFactors.CountAsync(f => f.UserId == ServerFixture.Id(user))));
        Assert.Single(await EventsAsync("device.user.remove", device.Id));
        var listed = await admin.GetAsync($"/admin/devices?q={tag}");
        Assert.True(listed.HasButton("Activate") && listed.HasButton("Delete"));

        var deleted = await admin.SubmitAsync("/admin/devices?handler=Delete", listed, ("deviceId", device.Id));
        Assert.Contains("was deleted", deleted.StatusMessage, StringComparison.Ordinal);
        Assert.Null(await server.WithDbAsync(db => db.Devices.AsNoTracking().FirstOrDefaultAsync(d => d.Id == device.Id)));
        Assert.Single(await EventsAsync("device.lifecycle.delete", device.Id));
    }

    [Fact]
    public async Task Devices_are_read_by_read_only_and_help_desk_admins_who_get_no_buttons_and_a_forged_suspend_is_403()
    {
        var device = await server.SeedDeviceAsync([ServerFixture.Id(await server.CreateUserAsync())]);
        foreach (var role in new[] { AdminRole.ReadOnlyAdmin, AdminRole.HelpDeskAdmin })
        {
            var (_, login) = await UserWithRoleAsync(role);
            using var reader = await SignedInAsync(login);
            var read = await reader.GetAsync("/admin/devices");
            Assert.Equal(HttpStatusCode.OK, read.Status);
            Assert.Contains(device.DisplayName, read.Html, StringComparison.Ordinal);
            Assert.Equal(0, read.PostForms);
            var forged = await reader.PostAsync("/admin/devices?handler=Lifecycle", read, ("deviceId", device.Id), ("operation", "suspend"));
            Assert.Equal(HttpStatusCode.Forbidden, forged.Status);
        }

        Assert.Equal("ACTIVE", (await server.WithDbAsync(db => db.Devices.AsNoTracking().SingleAsync(d => d.Id == device.Id))).Status);
        var (_, appAdmin) = await UserWithRoleAsync(AdminRole.AppAdmin);
        using var apps = await SignedInAsync(appAdmin);
        Assert.Equal(HttpStatusCode.Forbidden, (await apps.GetAsync("/admin/devices")).Status);
    }

    [Fact]
    public async Task A_help_desk_admin_can_unlock_but_not_add_people()
    {
        var (_, helpDesk) = await UserWithRoleAsync(AdminRole.HelpDeskAdmin);
        var (lockedId, _) = await UserWithRoleAsync(null);
        await server.WithDbAsync(db => db.Users.Where(u => u.Id == lockedId).ExecuteUpdateAsync(u => u.SetProperty(x => x.Status, UserStatus.LockedOut)));
        using var browser = await SignedInAsync(helpDesk);

        var people = await browser.GetAsync("/admin/people");
        Assert.Equal(HttpStatusCode.OK, people.Status);
        Assert.False(people.HasButton("Add person"));
        var login = $"nope.{ServerFixture.Unique()}@example.com";
        var forged = await browser.PostAsync("/admin/people?handler=Create", people,
            ("FirstName", "No"), ("LastName", "Way"), ("Username", login), ("Activate", "true"));
        Assert.Equal(HttpStatusCode.Forbidden, forged.Status);
        Assert.False(await server.WithDbAsync(db => db.Users.AnyAsync(u => u.LoginKey == login)));

        var person = await browser.GetAsync($"/admin/people/{lockedId}");
        Assert.True(person.HasButton("Unlock"));
        Assert.False(person.HasButton("Delete"));
        Assert.False(person.HasLabel("Role to grant"));
        await browser.SubmitAsync($"/admin/people/{lockedId}?handler=Lifecycle", person, ("operation", "unlock"));
        Assert.Equal(UserStatus.Active, (await UserAsync(lockedId))!.Status);
        Assert.Single(await EventsAsync("user.account.unlock_by_admin", lockedId));
    }

    [Fact]
    public async Task A_read_only_admin_sees_no_action_and_a_forged_post_is_refused_and_changes_nothing()
    {
        var (_, readOnly) = await UserWithRoleAsync(AdminRole.ReadOnlyAdmin);
        var (targetId, _) = await UserWithRoleAsync(null);
        var group = await server.CreateGroupAsync();
        var app = await server.CreateBookmarkAppAsync();
        using var browser = await SignedInAsync(readOnly);

        var pages = new[]
        {
            "/admin/people", $"/admin/people/{targetId}", "/admin/groups", $"/admin/groups/{ServerFixture.Id(group)}", "/admin/apps",
            "/admin/apps/catalog", $"/admin/apps/{ServerFixture.Id(app)}", "/admin/system-log",
        };
        foreach (var path in pages)
        {
            var page = await browser.GetAsync(path);
            Assert.True(page.Status == HttpStatusCode.OK, $"{path}: {(int)page.Status}");
            Assert.True(page.PostForms == 0, $"{path} shows no action to a read-only admin");
        }

        var person = await browser.GetAsync($"/admin/people/{targetId}");
        var forgedPosts = new (string Path, (string, string)[] Fields)[]
        {
            ($"/admin/people/{targetId}?handler=Lifecycle", [("operation", "suspend")]),
            ($"/admin/people/{targetId}?handler=GrantRole", [("role", AdminRole.SuperAdmin)]),
            ("/admin/groups?handler=Create", [("name", "Forged " + ServerFixture.Unique())]),
            ($"/admin/apps/{ServerFixture.Id(app)}?handler=Deactivate", []),
            ("/admin/apps/catalog?handler=AddBookmark", [("label", "Forged"), ("url", "https://example.com")]),
        };
        foreach (var (path, fields) in forgedPosts)
        {
            var answer = await browser.PostAsync(path, person, fields);
            Assert.True(answer.Status == HttpStatusCode.Forbidden, $"{path}: {(int)answer.Status}");
        }

        Assert.Equal(UserStatus.Active, (await UserAsync(targetId))!.Status);
        Assert.False(await server.WithDbAsync(db => db.RoleAssignments.AnyAsync(r => r.AssigneeId == targetId)));
        Assert.False(await server.WithDbAsync(db => db.Groups.AnyAsync(g => g.Name.StartsWith("Forged "))));
        Assert.Equal("ACTIVE", (await server.WithDbAsync(db => db.Apps.AsNoTracking().SingleAsync(a => a.Id == ServerFixture.Id(app)))).Status);

        // Without the antiforgery token the post is refused before any handler runs.
        Assert.Equal(HttpStatusCode.BadRequest,
            (await browser.PostRawAsync($"/admin/people/{targetId}?handler=Lifecycle", [("operation", "suspend")])).Status);
    }

    [Fact]
    public async Task A_super_admin_grants_and_revokes_roles_and_each_is_logged()
    {
        using var admin = await AdminAsync();
        var (id, login) = await UserWithRoleAsync(null);
        var person = await admin.GetAsync($"/admin/people/{id}");
        var granted = await admin.SubmitAsync($"/admin/people/{id}?handler=GrantRole", person, ("role", AdminRole.ReadOnlyAdmin));
        Assert.Contains("Read Only Administrator was granted", granted.StatusMessage, StringComparison.Ordinal);
        Assert.True(granted.HasButton("Revoke"));
        Assert.Single(await EventsAsync("user.account.privilege.grant", id));

        using (var grantee = await SignedInAsync(login))
        {
            Assert.Equal(HttpStatusCode.OK, (await grantee.GetAsync("/admin/people")).Status);
        }

        var twice = await admin.SubmitAsync($"/admin/people/{id}?handler=GrantRole", granted, ("role", AdminRole.ReadOnlyAdmin));
        Assert.Contains("already assigned", twice.Alert, StringComparison.Ordinal);

        var revoked = await admin.SubmitAsync($"/admin/people/{id}?handler=RevokeRole", twice, ("role", AdminRole.ReadOnlyAdmin));
        Assert.Contains("was revoked", revoked.StatusMessage, StringComparison.Ordinal);
        Assert.Single(await EventsAsync("user.account.privilege.revoke", id));
        using var after = await SignedInAsync(login);
        Assert.Equal(HttpStatusCode.Forbidden, (await after.GetAsync("/admin/people")).Status);
    }

    [Fact]
    public async Task Groups_are_created_and_their_members_added_and_removed_then_deleted()
    {
        using var admin = await AdminAsync();
        var name = "Console " + ServerFixture.Unique();
        var groups = await admin.GetAsync("/admin/groups");
        var created = await admin.PostAsync("/admin/groups?handler=Create", groups, ("name", name), ("description", "Made in the console"));
        Assert.Equal(HttpStatusCode.Redirect, created.Status);
        var groupId = created.Location!.Split('/')[^1];
        Assert.Single(await EventsAsync("group.lifecycle.create", groupId));

        var duplicate = await admin.PostAsync("/admin/groups?handler=Create", groups, ("name", name));
        Assert.Equal(HttpStatusCode.BadRequest, duplicate.Status);
        Assert.Contains("name: An object with this field already exists", duplicate.Alert, StringComparison.Ordinal);

        var (userId, login) = await UserWithRoleAsync(null);
        var page = await admin.GetAsync(created.Location!);
        var added = await admin.SubmitAsync($"{created.Location}?handler=AddMember", page, ("username", login));
        Assert.Contains($"({login}) is a member", added.StatusMessage, StringComparison.Ordinal);
        Assert.Contains(login, added.Html, StringComparison.Ordinal);
        Assert.Single(await EventsAsync("group.user_membership.add", userId));

        var unknown = await admin.SubmitAsync($"{created.Location}?handler=AddMember", added, ("username", "nobody@example.com"));
        Assert.Contains("Not found", unknown.Alert, StringComparison.Ordinal);

        await admin.SubmitAsync($"{created.Location}?handler=RemoveMember", added, ("userId", userId));
        Assert.False(await server.WithDbAsync(db => db.GroupMembers.AnyAsync(m => m.GroupId == groupId && m.UserId == userId)));

        var deleted = await admin.SubmitAsync($"{created.Location}?handler=Delete", added);
        Assert.Contains("was deleted", deleted.StatusMessage, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(created.Location!)).Status);
    }

    [Fact]
    public async Task A_bookmark_app_is_added_from_the_catalog_assigned_deactivated_and_deleted()
    {
        using var admin = await AdminAsync();
        var catalog = await admin.GetAsync("/admin/apps/catalog");
        var bad = await admin.PostAsync("/admin/apps/catalog?handler=AddBookmark", catalog, ("label", "Bad"), ("url", "javascript:alert(1)"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("url: The URL must be an absolute http or https URL", bad.Alert, StringComparison.Ordinal);

        var label = "Wiki " + ServerFixture.Unique();
        var added = await admin.PostAsync("/admin/apps/catalog?handler=AddBookmark", catalog, ("label", label), ("url", "https://wiki.example.com"));
        Assert.Equal(HttpStatusCode.Redirect, added.Status);
        var appPath = added.Location!;
        var appId = appPath.Split('/')[^1];
        Assert.Single(await EventsAsync("application.lifecycle.create", appId));

        var (userId, login) = await UserWithRoleAsync(null);
        var group = await server.CreateGroupAsync();
        var page = await admin.GetAsync(appPath);
        page = await admin.SubmitAsync($"{appPath}?handler=AssignPerson", page, ("username", login));
        page = await admin.SubmitAsync($"{appPath}?handler=AssignGroup", page, ("groupName", (string)group["profile"]!["name"]!));
        Assert.Contains(login, page.Html, StringComparison.Ordinal);
        Assert.Single(await EventsAsync("application.user_membership.add", userId));
        Assert.Single(await EventsAsync("group.application_assignment.add", ServerFixture.Id(group)));

        using (var person = await SignedInAsync(login))
        {
            Assert.Contains(label, (await person.GetAsync("/app/UserHome")).Html, StringComparison.Ordinal);
        }

        page = await admin.SubmitAsync($"{appPath}?handler=Settings", page, ("label", label + " 2"), ("url", "https://wiki2.example.com"));
        Assert.Contains("Saved the settings", page.StatusMessage, StringComparison.Ordinal);
        Assert.Equal("https://wiki2.example.com", page.Field("url"));

        Assert.False(page.HasButton("Delete"));
        var refused = await admin.SubmitAsync($"{appPath}?handler=Delete", page); // forged while ACTIVE: the API's rule refuses
        Assert.NotEqual("", refused.Alert);
        page = await admin.SubmitAsync($"{appPath}?handler=Deactivate", page);
        Assert.True(page.HasButton("Delete"));
        page = await admin.SubmitAsync($"{appPath}?handler=UnassignPerson", page, ("userId", userId));
        Assert.Single(await EventsAsync("application.user_membership.remove", userId));
        await admin.SubmitAsync($"{appPath}?handler=Delete", page);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(appPath)).Status);
        Assert.Single(await EventsAsync("application.lifecycle.delete", appId));
    }

    [Fact]
    public async Task An_api_token_is_shown_once_works_as_its_creator_and_stops_when_revoked()
    {
        using var admin = await AdminAsync();
        var tokens = await admin.GetAsync("/admin/api-tokens");
        var name = "Script " + ServerFixture.Unique();
        var created = await admin.PostAsync("/admin/api-tokens?handler=Create", tokens, ("name", name));
        Assert.Equal(HttpStatusCode.OK, created.Status);
        var value = created.InputValue("token-value")!;
        Assert.Matches("^00[0-9A-Za-z]{40}$", value);
        Assert.Contains("shown only this once", created.Html, StringComparison.Ordinal);

        var row = await server.WithDbAsync(db => db.ApiTokens.AsNoTracking().SingleAsync(t => t.Name == name));
        Assert.Equal(SecretHasher.Hash(value), row.TokenHash);
        Assert.Equal(server.Admin.Id, row.UserId);
        Assert.Single(await EventsAsync("system.api_token.create", row.Id));
        var listed = await admin.GetAsync("/admin/api-tokens");
        Assert.Contains(name, listed.Html, StringComparison.Ordinal);
        Assert.DoesNotContain(value, listed.Html, StringComparison.Ordinal);

        var call = await server.Api.SendRawAsync(HttpMethod.Get, "/api/v1/users/me", null, value);
        Assert.Equal(HttpStatusCode.OK, call.Status);

        await admin.SubmitAsync("/admin/api-tokens?handler=Revoke", listed, ("tokenId", row.Id));
        Assert.False(await server.WithDbAsync(db => db.ApiTokens.AnyAsync(t => t.Id == row.Id)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await server.Api.SendRawAsync(HttpMethod.Get, "/api/v1/users/me", null, value)).Status);

        var blank = await admin.PostAsync("/admin/api-tokens?handler=Create", listed, ("name", " "));
        Assert.Equal(HttpStatusCode.BadRequest, blank.Status);
        Assert.Contains("name: The field cannot be left blank", blank.Alert, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_admin_without_all_tokens_sees_and_revokes_only_their_own()
    {
        var (_, orgAdmin) = await UserWithRoleAsync(AdminRole.OrgAdmin);
        using var admin = await AdminAsync();
        var mine = "Super " + ServerFixture.Unique();
        await admin.PostAsync("/admin/api-tokens?handler=Create", await admin.GetAsync("/admin/api-tokens"), ("name", mine));
        var superToken = await server.WithDbAsync(db => db.ApiTokens.AsNoTracking().SingleAsync(t => t.Name == mine));

        using var browser = await SignedInAsync(orgAdmin);
        var page = await browser.GetAsync("/admin/api-tokens");
        Assert.DoesNotContain(mine, page.Html, StringComparison.Ordinal);
        var forged = await browser.SubmitAsync("/admin/api-tokens?handler=Revoke", page, ("tokenId", superToken.Id));
        Assert.Contains("Not found", forged.Alert, StringComparison.Ordinal);
        Assert.True(await server.WithDbAsync(db => db.ApiTokens.AnyAsync(t => t.Id == superToken.Id)));
    }

    [Fact]
    public async Task The_system_log_lists_newest_first_filters_with_the_api_grammar_and_shows_a_bad_filter_in_the_alert()
    {
        using var admin = await AdminAsync();
        var group = await server.CreateGroupAsync();
        var groupId = ServerFixture.Id(group);
        var all = await admin.GetAsync("/admin/system-log");
        Assert.Equal(HttpStatusCode.OK, all.Status);
        Assert.Contains("<details>", all.Html, StringComparison.Ordinal);

        var filtered = await admin.GetAsync("/admin/system-log?filter=" + Uri.EscapeDataString($"target.id eq \"{groupId}\""));
        Assert.Equal(HttpStatusCode.OK, filtered.Status);
        Assert.Contains("<code>group.lifecycle.create</code>", filtered.Html, StringComparison.Ordinal);
        Assert.DoesNotContain("<code>user.session.start</code>", filtered.Html, StringComparison.Ordinal);
        Assert.Contains("<code>user.session.start</code>", all.Html, StringComparison.Ordinal);

        var keyword = await admin.GetAsync("/admin/system-log?q=" + Uri.EscapeDataString(groupId));
        Assert.Contains("group.lifecycle.create", keyword.Html, StringComparison.Ordinal);

        var bad = await admin.GetAsync("/admin/system-log?filter=" + Uri.EscapeDataString("eventType eq"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.Contains("Invalid SCIM filter", bad.Alert, StringComparison.Ordinal);
        var unknown = await admin.GetAsync("/admin/system-log?filter=" + Uri.EscapeDataString("nosuch.attribute eq \"x\""));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.NotEqual("", unknown.Alert);
        var badCursor = await admin.GetAsync("/admin/system-log?before=garbage");
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.Status);
    }

    [Fact]
    public async Task The_system_log_pages_to_older_events()
    {
        using var admin = await AdminAsync();
        var marker = "Paged " + ServerFixture.Unique();
        for (var i = 0; i < 55; i++)
        {
            await server.CreateGroupAsync($"{marker} {i:D2}");
        }

        var first = await admin.GetAsync("/admin/system-log?q=" + Uri.EscapeDataString(marker));
        Assert.Contains($"{marker} 54", first.Html, StringComparison.Ordinal);
        Assert.DoesNotContain($"{marker} 00", first.Html, StringComparison.Ordinal);
        var next = System.Text.RegularExpressions.Regex.Match(first.Html, "<a href=\"([^\"]+)\" rel=\"next\">Older events</a>");
        Assert.True(next.Success, "an Older events link");
        var older = await admin.GetAsync(System.Net.WebUtility.HtmlDecode(next.Groups[1].Value));
        Assert.Contains($"{marker} 00", older.Html, StringComparison.Ordinal);
        Assert.DoesNotContain($"{marker} 54", older.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_ids_get_a_friendly_404_and_oversized_fields_are_refused_with_a_message()
    {
        using var admin = await AdminAsync();
        foreach (var path in new[] { "/admin/people/00unoknown", "/admin/groups/00gnothere", "/admin/apps/0oanothere" })
        {
            var page = await admin.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, page.Status);
            Assert.Contains("was not found", page.Html, StringComparison.Ordinal);
        }

        var people = await admin.GetAsync("/admin/people");
        var huge = await admin.SubmitAsync("/admin/people?handler=Create", people,
            ("FirstName", new string('a', 10_000)), ("LastName", "Long"), ("Username", "long@example.com"));
        Assert.Contains("A field was too long", huge.Alert, StringComparison.Ordinal);
        var tooLongName = await admin.PostAsync("/admin/people?handler=Create", people,
            ("FirstName", new string('a', 60)), ("LastName", "Long"), ("Username", "long@example.com"));
        Assert.Contains("firstName", tooLongName.Alert, StringComparison.Ordinal);
        Assert.False(await server.WithDbAsync(db => db.Users.AnyAsync(u => u.LoginKey == "long@example.com")));
    }

    [Fact]
    public async Task The_people_search_uses_the_api_s_q_and_long_lists_page()
    {
        using var admin = await AdminAsync();
        var last = "Pager" + ServerFixture.Unique(6);
        for (var i = 0; i < 3; i++)
        {
            await server.CreateUserAsync(lastName: last);
        }

        var found = await admin.GetAsync("/admin/people?q=" + last.ToLowerInvariant());
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(found.Html, $">Test {last}</a></td>"));
        var none = await admin.GetAsync("/admin/people?q=zzznobody");
        Assert.Contains("Nobody's name, email or username starts with", none.Html, StringComparison.Ordinal);

        for (var i = 0; i < 50; i++)
        {
            await server.CreateUserAsync();
        }

        var first = await admin.GetAsync("/admin/people");
        Assert.Contains("Next page of people", first.Html, StringComparison.Ordinal);
    }
}
