using System.Text.Json.Nodes;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Server.Api;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.Factors;

public static class FactorTypes
{
    public const string Totp = "token:software:totp";
    public const string Push = "push";
    /// <summary>FastPass: the device signs a server nonce with its enrolled key.</summary>
    public const string SignedNonce = "signed_nonce";
    /// <summary>A security key or platform authenticator (FIDO2 WebAuthn), provider FIDO.</summary>
    public const string WebAuthn = "webauthn";
}

public static class FactorProviders
{
    public const string Okta = "OKTA";
    public const string Google = "GOOGLE";
    public const string Fido = "FIDO";
}

public static class FactorStatus
{
    public const string Active = "ACTIVE";
    public const string PendingActivation = "PENDING_ACTIVATION";
    public const string NotSetup = "NOT_SETUP";
}

/// <summary>The <c>UserFactor</c> shape of okta-api.md §6.2, and the factor as a System Log target.</summary>
public static class FactorResources
{
    public static string DisplayName(UserFactorEntity f) => f.Provider switch
    {
        FactorProviders.Google => "Google Authenticator",
        FactorProviders.Fido => "Security Key or Biometric",
        _ => "Okta Verify",
    };

    public static LogTarget Target(UserFactorEntity f) => new(f.Id, "AuthenticatorEnrollment", f.FactorType, DisplayName(f));

    public static JsonObject ToResource(UserFactorEntity f, string apiBase)
    {
        var self = $"{apiBase}/users/{f.UserId}/factors/{f.Id}";
        var links = new JsonObject
        {
            ["self"] = JsonLinks.Link(self, "GET", "DELETE"),
            ["user"] = JsonLinks.Link($"{apiBase}/users/{f.UserId}", "GET"),
        };
        if (f.Status == FactorStatus.Active)
        {
            links["verify"] = JsonLinks.Link($"{self}/verify", "POST");
        }
        else if (f.Status == FactorStatus.PendingActivation)
        {
            links["activate"] = JsonLinks.Link($"{self}/lifecycle/activate", "POST");
        }

        return new JsonObject
        {
            ["id"] = f.Id, ["factorType"] = f.FactorType, ["provider"] = f.Provider, ["vendorName"] = f.Provider, ["status"] = f.Status,
            ["created"] = IsoTime.Write(f.Created), ["lastUpdated"] = IsoTime.Write(f.LastUpdated),
            ["profile"] = JsonNode.Parse(f.ProfileJson), ["_links"] = links,
        };
    }
}
