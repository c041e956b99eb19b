using System.Text.Json.Nodes;
using Latchkey.Verify.Channel;
using Xunit;

namespace Latchkey.Verify.Tests;

public sealed class PendingPushTests
{
    [Fact]
    public void A_desktop_mfa_push_names_the_computer_the_login_is_on()
    {
        var item = JsonNode.Parse("""
            {"transactionId": "v2m1", "nonce": "n", "verificationUri": "http://127.0.0.1:8080/idp/authenticators/x/transactions/v2m1/verify",
             "context": {"login": "alice@example.com", "appName": "Desktop MFA", "computer": "Build Mac (C02XK1)"}}
            """)!;

        var push = PendingPush.Parse(item);

        Assert.Equal("Build Mac (C02XK1)", push.Context.Computer);
        Assert.Null(PendingPush.Parse(JsonNode.Parse("""{"transactionId": "v2m2", "verificationUri": "u", "context": {}}""")!).Context.Computer);
    }
}
