using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Latchkey.Core.Admin;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SignIn;
using Latchkey.Server.Features.SignIn.Pages;
using Latchkey.Server.Features.Web;
using Latchkey.Server.Persistence;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 10, the web pages' bad input through the real HTTP pipeline, on a clock the test moves: a form without its
/// antiforgery token, a stale, forged or replayed state handle, oversized answers, revoked or unknown session cookies,
/// return addresses off the site; the cookie flags, the security headers, and the console and expiry events.
/// </summary>
public sealed partial class WebPagesTests(ClockedServerFixture server) : IClassFixture<ClockedServerFixture>
{
    private const string Expired = "This sign-in has expired or was already used. Start again.";

    private async Task<(string Id, string Login)> UserAsync()
    {
        var user = await server.CreateUserAsync();
        return (ServerFixture.Id(user), (string)user["profile"]!["login"]!);
    }

    private async Task<PageClient> SignedInAsync(string login)
    {
        var client = new PageClient(server);
        var signedIn = await client.SignInAsync(login, ServerFixture.Password);
        Assert.True(signedIn.Status == HttpStatusCode.Redirect, signedIn.Describe());
        return client;
    }

    /// <summary>Gives a user an admin role as the roles API stores it (a role assignment row).</summary>
    private Task GrantAsync(string userId, string role) => server.WithDbAsync(async db =>
    {
        var user = await db.Users.SingleAsync(u => u.Id == userId);
        var now = server.Time.GetUtcNow();
        db.RoleAssignments.Add(new RoleAssignmentEntity
        {
            Id = RandomIds.NewId(IdPrefix.RoleAssignment, now), OrgId = user.OrgId, AssigneeType = AdminGrants.UserAssignee, AssigneeId = userId,
            Type = role, Created = now, LastUpdated = now,
        });
        return await db.SaveChangesAsync();
    });

    private Task<int> LogCountAsync() => server.WithDbAsync(db => db.LogEvents.CountAsync());

    [Fact]
    public async Task Opening_an_app_link_that_is_not_assigned_is_refused_with_a_page_and_logged_as_a_failed_sso()
    {
        var app = (await server.Api.PostAsync("/api/v1/apps", new JsonObject
        {
            ["name"] = "bookmark", ["label"] = "Not Yours", ["signOnMode"] = "BOOKMARK",
            ["settings"] = new JsonObject { ["app"] = new JsonObject { ["url"] = "https://example.com/not-yours" } },
        })).Expect(HttpStatusCode.OK).Object;
        var launch = new Uri((string)app["_links"]!["appLinks"]![0]!["href"]!).AbsolutePath;
        var (id, login) = await UserAsync();
        using var person = await SignedInAsync(login);

        var refused = await person.GetAsync(launch);
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Null(refused.Location);
        Assert.Contains("not assigned to you", refused.Alert, StringComparison.Ordinal);
        var sso = Assert.Single((await server.Api.GetAsync($"/api/v1/logs?filter={ServerFixture.Encode($"eventType eq \"user.authentication.sso\" and actor.id eq \"{id}\"")}"))
            .Expect(HttpStatusCode.OK).Array)!;
        Assert.Equal("FAILURE", (string?)sso["outcome"]!["result"]);
        Assert.Equal("APP_NOT_ASSIGNED", (string?)sso["outcome"]!["reason"]);

        (await server.Api.PostAsync($"/api/v1/apps/{ServerFixture.Id(app)}/users", new JsonObject { ["id"] = id })).Expect(HttpStatusCode.OK);
        var opened = await person.GetAsync(launch);
        Assert.Equal(HttpStatusCode.Redirect, opened.Status);
        Assert.Equal("https://example.com/not-yours", opened.Location);
    }

    [Fact]
    public async Task A_form_posted_without_its_antiforgery_token_gets_the_form_expired_page_and_nothing_is_written()
    {
        var (id, login) = await UserAsync();
        using var client = await SignedInAsync(login);
        await client.GetAsync("/settings");
        var events = await LogCountAsync();
        var transactions = await server.WithDbAsync(db => db.SignInTransactions.CountAsync());

        var change = await client.PostAsync("/settings?handler=ChangePassword", new Dictionary<string, string?>
        {
            ["currentPassword"] = ServerFixture.Password, ["newPassword"] = "An0ther-Secret!", ["confirmPassword"] = "An0ther-Secret!",
        }, withToken: false);
        var identify = await new PageClient(server).PostAsync("/?handler=Identify", new Dictionary<string, string?> { ["username"] = login }, withToken: false);

        foreach (var refused in new[] { change, identify })
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.Contains("This form has expired", refused.Html, StringComparison.Ordinal);
            Assert.Contains("nothing was changed", refused.Html, StringComparison.Ordinal);
        }

        Assert.Equal(events, await LogCountAsync());
        Assert.Equal(transactions, await server.WithDbAsync(db => db.SignInTransactions.CountAsync()));
        using var idx = new SignInClient(server);
        (await idx.SignInAsync(login, ServerFixture.Password)).Expect(HttpStatusCode.OK);
        Assert.NotNull(id);
    }

    [Fact]
    public async Task A_forged_replayed_or_stale_state_handle_goes_back_to_the_username_step_saying_the_sign_in_expired()
    {
        var (_, login) = await UserAsync();
        using var client = new PageClient(server);
        await client.GetAsync("/");
        foreach (var forged in new[] { "forged", "", new string('x', 5000), "02.id.not-a-real-handle" })
        {
            foreach (var handler in new[] { "Password", "ChangePassword" })
            {
                var answer = await client.PostAsync($"/?handler={handler}", new Dictionary<string, string?>
                {
                    ["stateHandle"] = forged, ["password"] = ServerFixture.Password, ["newPassword"] = "N3w-Secret-Value!", ["confirmPassword"] = "N3w-Secret-Value!",
                });
                AssertBackAtUsername(answer);
            }
        }

        // Replayed: the form that signed in, sent again (from this browser or another), signs nobody in.
        var next = await client.PostAsync("/?handler=Identify", new Dictionary<string, string?> { ["username"] = login });
        var used = next.Field("stateHandle");
        var form = new Dictionary<string, string?> { ["stateHandle"] = used, ["password"] = ServerFixture.Password };
        Assert.Equal(HttpStatusCode.Redirect, (await client.PostAsync("/?handler=Password", form)).Status);
        client.Cookies.GetCookies(client.BaseAddress)["sid"]!.Expired = true;
        AssertBackAtUsername(await client.PostAsync("/?handler=Password", form));
        using var other = new PageClient(server);
        await other.GetAsync("/");
        AssertBackAtUsername(await other.PostAsync("/?handler=Password", form));

        // Stale: ten untouched minutes.
        using var late = new PageClient(server);
        await late.GetAsync("/");
        var waiting = await late.PostAsync("/?handler=Identify", new Dictionary<string, string?> { ["username"] = login });
        server.Time.Advance(TimeSpan.FromMinutes(10));
        AssertBackAtUsername(await late.PostAsync("/?handler=Password", new Dictionary<string, string?>
        {
            ["stateHandle"] = waiting.Field("stateHandle"), ["password"] = ServerFixture.Password,
        }));
        Assert.Null(late.Cookies.GetCookies(late.BaseAddress)["sid"]);
    }

    private static void AssertBackAtUsername(PageResponse answer)
    {
        Assert.True(answer.Status == HttpStatusCode.OK && answer.IsUsernameStep, answer.Describe());
        Assert.Equal(Expired, answer.Alert);
    }

    [Fact]
    public async Task An_oversized_username_or_password_is_refused_with_a_message_that_says_so()
    {
        var (_, login) = await UserAsync();
        using var client = new PageClient(server);
        await client.GetAsync("/");
        var longName = await client.PostAsync("/?handler=Identify", new Dictionary<string, string?> { ["username"] = new string('a', 250) + "@x.com!" });
        Assert.True(longName.Status == HttpStatusCode.OK && longName.IsUsernameStep, longName.Describe());
        Assert.Equal($"A username has at most {SignInEngine.MaxIdentifierLength} characters.", longName.Alert);

        var step = await client.PostAsync("/?handler=Identify", new Dictionary<string, string?> { ["username"] = login });
        var longPassword = await client.PostAsync("/?handler=Password", new Dictionary<string, string?>
        {
            ["stateHandle"] = step.Field("stateHandle"), ["password"] = new string('p', SignInEngine.MaxPasswordLength + 1),
        });
        Assert.True(longPassword.Status == HttpStatusCode.OK && longPassword.IsPasswordStep, longPassword.Describe());
        Assert.Equal($"A password has at most {SignInEngine.MaxPasswordLength} characters.", longPassword.Alert);

        // The refusal cost no attempt: the right password still signs in with the same form.
        var signedIn = await client.PostAsync("/?handler=Password", new Dictionary<string, string?>
        {
            ["stateHandle"] = longPassword.Field("stateHandle"), ["password"] = ServerFixture.Password,
        });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.Status);
    }

    [Fact]
    public async Task A_session_cookie_from_a_revoked_session_or_an_unknown_one_is_treated_as_a_visitor()
    {
        var (id, login) = await UserAsync();
        using var client = await SignedInAsync(login);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/app/UserHome")).Status);

        (await server.Api.DeleteAsync($"/api/v1/users/{id}/sessions")).Expect(HttpStatusCode.NoContent);
        AssertSentToSignIn(await client.GetAsync("/app/UserHome"), "/app/UserHome");
        Assert.True((await client.GetAsync("/")).IsUsernameStep);

        using var stranger = new PageClient(server);
        stranger.Cookies.Add(stranger.BaseAddress, new Cookie("sid", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))));
        AssertSentToSignIn(await stranger.GetAsync("/settings"), "/settings");
        AssertSentToSignIn(await stranger.GetAsync("/admin"), "/admin");
        Assert.True((await stranger.GetAsync("/")).IsUsernameStep);
    }

    private static void AssertSentToSignIn(PageResponse answer, string from)
    {
        Assert.True(answer.Status == HttpStatusCode.Redirect, answer.Describe());
        Assert.Equal("/?fromURI=" + Uri.EscapeDataString(from), answer.Location);
    }

    [Fact]
    public async Task The_session_cookie_is_http_only_and_same_site_lax_and_secure_only_when_the_request_came_over_https()
    {
        var (_, login) = await UserAsync();
        using var plain = new PageClient(server);
        var overHttp = SessionCookie(await plain.SignInAsync(login, ServerFixture.Password));
        Assert.Contains("httponly", overHttp, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", overHttp, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", overHttp, StringComparison.OrdinalIgnoreCase);

        // The same server code behind the in-memory test server, reached over https.
        await using var factory = new LatchkeyFactory(kestrel: false);
        var api = new ApiClient(factory.CreateClient(), factory.Token);
        var body = new JsonObject
        {
            ["profile"] = ServerFixture.Profile(login),
            ["credentials"] = new JsonObject { ["password"] = new JsonObject { ["value"] = ServerFixture.Password } },
        };
        (await api.PostAsync("/api/v1/users?activate=true", body)).Expect(HttpStatusCode.OK);
        using var secure = new PageClient(factory.CreateClient(new WebApplicationFactoryClientOptions
        {
            BaseAddress = new Uri("https://localhost"), AllowAutoRedirect = false, HandleCookies = false,
        }));
        var overHttps = SessionCookie(await secure.SignInAsync(login, ServerFixture.Password));
        Assert.Contains("httponly", overHttps, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", overHttps, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("secure", overHttps, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await secure.GetAsync("/app/UserHome")).Status);
    }

    private static string SessionCookie(PageResponse signedIn)
    {
        Assert.True(signedIn.Status == HttpStatusCode.Redirect, signedIn.Describe());
        return Assert.Single(signedIn.SetCookies, c => c.StartsWith("sid=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_page_carries_the_content_security_policy_and_none_has_an_inline_script()
    {
        var (id, login) = await UserAsync();
        await GrantAsync(id, AdminRole.SuperAdmin);
        using var visitor = new PageClient(server);
        var pages = new List<(string What, PageResponse Page)>
        {
            ("sign-in", await visitor.GetAsync("/")),
            ("password step", await visitor.PostAsync("/?handler=Identify", new Dictionary<string, string?> { ["username"] = login })),
            ("form expired", await visitor.PostAsync("/?handler=Identify", new Dictionary<string, string?> { ["username"] = login }, withToken: false)),
            ("deep link", await visitor.GetAsync("/settings")),
        };
        using var admin = await SignedInAsync(login);
        foreach (var path in new[] { "/app/UserHome", "/settings", "/admin", "/signout", "/home/bookmark/0oanotanapp000000000/x" })
        {
            pages.Add((path, await admin.GetAsync(path)));
        }

        var (_, plainLogin) = await UserAsync();
        using var plain = await SignedInAsync(plainLogin);
        pages.Add(("forbidden console", await plain.GetAsync("/admin")));

        foreach (var (what, page) in pages)
        {
            Assert.True(page.Headers.TryGetValues("Content-Security-Policy", out var csp), $"{what}: no Content-Security-Policy: {page.Describe()}");
            Assert.Equal(WebShell.ContentSecurityPolicy, Assert.Single(csp!));
            Assert.Equal("DENY", string.Join(",", page.Headers.GetValues("X-Frame-Options")));
            Assert.False(InlineScript().IsMatch(page.Html), $"{what} has an inline script: {page.Html}");
            Assert.False(InlineHandler().IsMatch(page.Html), $"{what} has an inline event handler: {page.Html}");
            Assert.False(InlineStyle().IsMatch(page.Html), $"{what} has an inline style (the CSP drops it): {page.Html}");
        }

        Assert.Contains(pages, p => p.What == "forbidden console" && p.Page.Status == HttpStatusCode.Forbidden);
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"<[^>]+\son[a-z]+\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineHandler();

    [GeneratedRegex(@"<[^>]+\sstyle\s*=|<style", RegexOptions.IgnoreCase)]
    private static partial Regex InlineStyle();

    [Theory]
    [InlineData("/admin", "/admin")]
    [InlineData("/settings?tab=password", "/settings?tab=password")]
    [InlineData("//evil.example/x", "/app/UserHome")]
    [InlineData("https://evil.example/x", "/app/UserHome")]
    [InlineData("/\\evil.example/x", "/app/UserHome")]
    [InlineData("javascript:alert(1)", "/app/UserHome")]
    [InlineData("/", "/app/UserHome")]
    public async Task The_return_address_is_followed_only_when_it_is_a_path_on_this_site(string fromUri, string destination)
    {
        var (id, login) = await UserAsync();
        await GrantAsync(id, AdminRole.SuperAdmin);
        using var client = new PageClient(server);
        var signedIn = await client.SignInAsync(login, ServerFixture.Password, fromUri);
        Assert.True(signedIn.Status == HttpStatusCode.Redirect, signedIn.Describe());
        Assert.Equal(destination, signedIn.Location);

        // Already signed in, the sign-in page sends on under the same rule.
        var again = await client.GetAsync("/?fromURI=" + Uri.EscapeDataString(fromUri));
        Assert.Equal(destination, again.Location);
    }

    [Fact]
    public async Task Entering_the_console_is_logged_once_per_session()
    {
        var (id, login) = await UserAsync();
        await GrantAsync(id, AdminRole.ReadOnlyAdmin);
        using var first = await SignedInAsync(login);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/admin")).Status);
        }

        var events = await IdxSignInTests.EventsAsync(server, "user.session.access_admin_app", id);
        var sessionId = (string?)Assert.Single(events)!["target"]!.AsArray().Single(t => (string?)t!["type"] == "Session")!["id"];

        using var second = await SignedInAsync(login);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/admin")).Status);
        Assert.Equal(HttpStatusCode.OK, (await first.GetAsync("/admin")).Status);
        events = await IdxSignInTests.EventsAsync(server, "user.session.access_admin_app", id);
        Assert.Equal(2, events.Count);
        Assert.Single(events, e => (string?)e!["target"]!.AsArray().Single(t => (string?)t!["type"] == "Session")!["id"] == sessionId);
    }

    [Fact]
    public async Task A_session_left_idle_past_its_lifetime_is_a_visitor_and_its_end_is_logged_once_when_it_is_swept()
    {
        var (id, login) = await UserAsync();
        using var client = await SignedInAsync(login);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/app/UserHome")).Status);

        server.Time.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
        AssertSentToSignIn(await client.GetAsync("/app/UserHome"), "/app/UserHome");
        var sweeper = server.Factory.Services.GetRequiredService<ExpiredSignInSweeper>();
        await sweeper.SweepAsync(TestContext.Current.CancellationToken);
        await sweeper.SweepAsync(TestContext.Current.CancellationToken);

        var expired = Assert.Single(await IdxSignInTests.EventsAsync(server, "user.session.expire", id))!;
        Assert.Equal(id, (string?)expired["actor"]!["id"]);
        Assert.Empty(await IdxSignInTests.EventsAsync(server, "user.session.end", id));
        Assert.Equal(0, await server.WithDbAsync(db => db.Sessions.CountAsync(s => s.UserId == id)));
    }
}
