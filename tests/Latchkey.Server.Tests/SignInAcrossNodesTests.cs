using System.Net;
using System.Text.Json.Nodes;
using Latchkey.Server.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Latchkey.Server.Tests;

/// <summary>
/// Issue 10 items 1 and 3: transactions and sessions live in the database, so a sign-in begun on one node finishes on
/// another, and a session made on one is seen, and ended, on the other.
/// </summary>
public sealed class SignInAcrossNodesTests
{
    [Fact]
    public async Task A_sign_in_begun_on_one_node_finishes_on_another_and_its_session_is_shared()
    {
        await using var first = new LatchkeyFactory();
        using var firstHttp = first.CreateClient();
        var admin = new ApiClient(firstHttp, first.Token);
        var login = $"nodes.{ServerFixture.Unique()}@example.com";
        (await admin.PostAsync("/api/v1/users?activate=true", new JsonObject
        {
            ["profile"] = ServerFixture.Profile(login), ["credentials"] = new JsonObject { ["password"] = new JsonObject { ["value"] = ServerFixture.Password } },
        })).Expect(HttpStatusCode.OK);

        await using var second = new LatchkeyFactory(new Dictionary<string, string?>
        {
            ["Latchkey:DataDir"] = first.DataDir,
            ["Latchkey:Database:ConnectionString"] = first.Services.GetRequiredService<IConfiguration>()["Latchkey:Database:ConnectionString"],
        });
        using var secondHttp = second.CreateClient();

        using var onFirst = new SignInClient(firstHttp.BaseAddress!);
        using var onSecond = new SignInClient(secondHttp.BaseAddress!);
        var handle = await onFirst.StartAsync();
        (await onFirst.IdentifyAsync(handle, login)).Expect(HttpStatusCode.OK);
        (await onSecond.AnswerAsync(handle, ServerFixture.Password)).Expect(HttpStatusCode.OK);

        var cookie = new Cookie("sid", onSecond.SessionCookie!.Value);
        onFirst.Cookies.Add(firstHttp.BaseAddress!, cookie);
        (await onFirst.GetAsync("/api/v1/sessions/me")).Expect(HttpStatusCode.OK);
        (await onFirst.DeleteAsync("/api/v1/sessions/me")).Expect(HttpStatusCode.NoContent);
        (await onSecond.GetAsync("/api/v1/sessions/me")).ExpectError(HttpStatusCode.NotFound, "E0000007");
    }
}
