using System.Net;
using Latchkey.Core.Authenticators.Totp;
using Latchkey.Server.Persistence;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using OtpNet;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 11 item 8, the dashboard's "My settings" as a browser without JavaScript uses it: set up an authenticator app
/// (the QR code drawn on the page, the key to type, a first code), see it in "Your authenticators", remove it; see the
/// devices the person enrolled the authenticator app on and remove one. Every change is logged with the person as actor.
/// </summary>
public sealed partial class WebPagesTests
{
    private Task<List<LogEventEntity>> EventsByAsync(string eventType, string actorId) => server.WithDbAsync(db =>
        db.LogEvents.AsNoTracking().Where(e => e.EventType == eventType && e.ActorId == actorId).ToListAsync());

    private string CodeAt(string base32) =>
        TotpVerifier.Code(Base32Encoding.ToBytes(base32), TotpVerifier.StepAt(server.Time.GetUtcNow(), TotpPolicy.Default), TotpPolicy.Default);

    [Fact]
    public async Task A_person_sets_up_an_authenticator_app_with_the_qr_code_and_a_first_code_sees_it_and_removes_it()
    {
        var (id, login) = await UserAsync();
        using var browser = await SignedInAsync(login);
        var page = await browser.GetAsync("/settings");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains("Only your password.", page.Html, StringComparison.Ordinal);

        // Without the antiforgery token nothing is enrolled.
        await browser.PostRawAsync("/settings?handler=EnrollApp", []);
        Assert.Equal(0, await server.WithDbAsync(db => db.UserFactors.CountAsync(f => f.UserId == id)));

        var started = await browser.PostAsync("/settings?handler=EnrollApp", page);
        Assert.Equal(HttpStatusCode.OK, started.Status);
        Assert.Contains("no-store", started.Headers.CacheControl?.ToString() ?? "", StringComparison.Ordinal);
        var secret = started.InputValue("totp-secret");
        Assert.Matches("^[A-Z2-7]{32}$", secret);
        var qr = System.Text.RegularExpressions.Regex.Match(started.Html, "<img src=\"data:image/png;base64,([^\"]+)\"").Groups[1].Value;
        Assert.Equal([0x89, 0x50, 0x4E, 0x47], Convert.FromBase64String(WebUtility.HtmlDecode(qr))[..4]); // a PNG drawn here, not a link to a QR service
        Assert.Equal(1, System.Text.RegularExpressions.Regex.Count(started.Html, secret!));

        var wrong = await browser.PostAsync("/settings?handler=ConfirmApp", started, ("factorId", started.Field("factorId")!), ("code", CodeAt(secret!) == "000000" ? "111111" : "000000"));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.Status);
        Assert.Contains("That code is not right", wrong.Alert, StringComparison.Ordinal);
        Assert.True(wrong.HasLabel("Code from the app"));
        Assert.DoesNotContain(secret!, wrong.Html, StringComparison.Ordinal);

        var done = await browser.SubmitAsync("/settings?handler=ConfirmApp", wrong, ("factorId", started.Field("factorId")!), ("code", CodeAt(secret!)));
        Assert.Contains("Your authenticator app is set up", done.StatusMessage, StringComparison.Ordinal);
        Assert.Contains("Codes (Google Authenticator)", done.Html, StringComparison.Ordinal);
        Assert.False(done.HasButton("Set up an authenticator app"));
        var factor = await server.WithDbAsync(db => db.UserFactors.AsNoTracking().SingleAsync(f => f.UserId == id));
        Assert.Equal(("GOOGLE", "ACTIVE"), (factor.Provider, factor.Status));
        Assert.Single(await EventsByAsync("user.mfa.factor.activate", id));

        // Another person's factor cannot be removed from here.
        var (otherId, _) = await UserAsync();
        (await server.Api.PostAsync($"/api/v1/users/{otherId}/factors", new System.Text.Json.Nodes.JsonObject { ["factorType"] = "token:software:totp", ["provider"] = "GOOGLE" }))
            .Expect(HttpStatusCode.OK);
        var otherFactor = await server.WithDbAsync(db => db.UserFactors.AsNoTracking().SingleAsync(f => f.UserId == otherId));
        var forged = await browser.SubmitAsync("/settings?handler=RemoveFactor", done, ("factorId", otherFactor.Id));
        Assert.Contains("not one of yours", forged.Alert, StringComparison.Ordinal);
        Assert.Equal(1, await server.WithDbAsync(db => db.UserFactors.CountAsync(f => f.UserId == otherId)));

        var removed = await browser.SubmitAsync("/settings?handler=RemoveFactor", forged, ("factorId", factor.Id));
        Assert.Contains("Codes (Google Authenticator) was removed.", removed.StatusMessage, StringComparison.Ordinal);
        Assert.Equal(0, await server.WithDbAsync(db => db.UserFactors.CountAsync(f => f.UserId == id)));
        Assert.Single(await EventsByAsync("user.mfa.factor.deactivate", id));
        Assert.True(removed.HasButton("Set up an authenticator app"));
    }

    [Fact]
    public async Task A_person_sees_the_devices_of_their_authenticator_app_and_removing_one_removes_their_link_enrollment_and_factors()
    {
        var (id, login) = await UserAsync();
        using var device = new TestDevice(server) { Clock = () => server.Time.GetUtcNow() };
        (await device.EnrollAsync(login)).Expect(HttpStatusCode.OK);
        var deviceId = (string)device.Enrollment!["device"]!["id"]!;
        using var browser = await SignedInAsync(login);

        var page = await browser.GetAsync("/settings");
        Assert.Contains("<td>Test laptop</td>", page.Html, StringComparison.Ordinal);
        Assert.Contains("<td>LINUX</td>", page.Html, StringComparison.Ordinal);
        Assert.Contains("<td>NOT_MANAGED</td>", page.Html, StringComparison.Ordinal);
        Assert.Contains("Push notifications (Okta Verify)", page.Html, StringComparison.Ordinal);
        Assert.True(page.HasButton("Remove"));

        var forged = await browser.SubmitAsync("/settings?handler=RemoveDevice", page, ("deviceId", "guoNoSuchDevice00000"));
        Assert.Contains("not one of yours", forged.Alert, StringComparison.Ordinal);

        var removed = await browser.SubmitAsync("/settings?handler=RemoveDevice", forged, ("deviceId", deviceId));
        Assert.Contains("Test laptop was removed from your devices", removed.StatusMessage, StringComparison.Ordinal);
        Assert.Equal(0, await server.WithDbAsync(db => db.DeviceUsers.CountAsync(l => l.UserId == id)));
        Assert.Equal(0, await server.WithDbAsync(db => db.DeviceEnrollments.CountAsync(e => e.UserId == id)));
        Assert.Equal(0, await server.WithDbAsync(db => db.UserFactors.CountAsync(f => f.UserId == id)));
        Assert.Equal("ACTIVE", (await server.WithDbAsync(db => db.Devices.AsNoTracking().SingleAsync(d => d.Id == deviceId))).Status);
        Assert.Single(await EventsByAsync("device.user.remove", id));
        Assert.Equal(3, (await EventsByAsync("user.mfa.factor.deactivate", id)).Count);
        Assert.Contains("No devices.", removed.Html, StringComparison.Ordinal);
    }
}
