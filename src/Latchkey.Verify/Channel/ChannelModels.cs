using System.Globalization;
using System.Text.Json.Nodes;
using Latchkey.Verify.Keys;
using Latchkey.Verify.State;
using Latchkey.Verify.Totp;

namespace Latchkey.Verify.Channel;

/// <summary>A user signed in through IDX: the user id of the terminal response and the <c>sid</c> session cookie that authorizes the enrollment.</summary>
public sealed record SignedInUser(string UserId, string Login, string SessionCookie)
{
    /// <summary>Instead of a session: the one-time token of a sign-in's activation link (<c>Authorization: OTDT</c>).</summary>
    public string? ActivationToken { get; init; }
}

/// <summary>An enrolled device as the channel needs it: the enrollment id (the token issuer), the user, the proof-of-possession key.</summary>
public sealed record EnrolledDevice(string EnrollmentId, string UserId, SoftwareKey Key, string? PendingHref)
{
    public static EnrolledDevice From(AccountRecord account)
    {
        var enrollment = account.Enrollment ?? throw new VerifyException(ExitCodes.Usage, $"the account '{account.Name}' is an imported code, not an authenticator-app enrollment");
        return new EnrolledDevice(enrollment.EnrollmentId, account.UserId ?? "", SoftwareKey.FromPkcs8(enrollment.ProofOfPossessionKey), enrollment.PendingHref);
    }
}

/// <summary>What the server answered to <c>POST /idp/authenticators</c> (docs/authenticator-app.md section 2).</summary>
public sealed record EnrollmentResult(EnrollmentRecord Enrollment, TotpSettings? Totp, string UserId, string? Login)
{
    public static EnrollmentResult Parse(JsonNode body, SoftwareKey proofKey)
    {
        var methods = body["methods"]?.AsArray() ?? [];
        string? MethodId(string type) => methods.FirstOrDefault(m => (string?)m?["type"] == type)?["id"]?.GetValue<string>();
        var totpMethod = methods.FirstOrDefault(m => (string?)m?["type"] == "totp");
        TotpSettings? totp = null;
        if (totpMethod?["sharedSecret"]?.GetValue<string>() is { } secret)
        {
            var algorithm = (string?)totpMethod["algorithm"] ?? "HMacSHA1";
            totp = new TotpSettings
            {
                Secret = OtpAuthUri.NormalizeSecret(secret),
                Algorithm = algorithm.Contains("512", StringComparison.Ordinal) ? "SHA512" : algorithm.Contains("256", StringComparison.Ordinal) ? "SHA256" : "SHA1",
                Digits = (int?)totpMethod["passCodeLength"] ?? 6,
                Period = (int?)totpMethod["timeIntervalInSeconds"] ?? 30,
            };
        }

        var record = new EnrollmentRecord
        {
            EnrollmentId = (string?)body["id"] ?? throw new VerifyException(ExitCodes.Failure, "the server's enrollment answer has no id"),
            AuthenticatorId = (string?)body["authenticatorId"],
            DeviceId = (string?)body["device"]?["id"],
            DeviceName = (string?)body["device"]?["profile"]?["displayName"],
            PushMethodId = MethodId("push"),
            SignedNonceMethodId = MethodId("signed_nonce"),
            TotpMethodId = MethodId("totp"),
            PendingHref = (string?)body["_links"]?["pending"]?["href"],
            ProofOfPossessionKey = proofKey.ExportPkcs8(),
            HardwareProtected = false,
        };
        return new EnrollmentResult(record, totp, (string?)body["user"]?["id"] ?? "", (string?)body["user"]?["login"]);
    }
}

/// <summary>Where a push comes from, as the server describes the sign-in that asked for it.</summary>
public sealed record PushContext(string? Login, string? IpAddress, string? UserAgent, string? Browser, string? Os, string? AppName)
{
    /// <summary>The computer a Desktop MFA login is on ("name (serial)"), when the push is for one.</summary>
    public string? Computer { get; init; }
}

/// <summary>One push waiting for an answer (docs/authenticator-app.md section 4). The number to match is never in it.</summary>
public sealed record PendingPush(
    string TransactionId, string Method, string? FactorId, string Nonce, bool NumberChallenge,
    DateTimeOffset? Created, DateTimeOffset? ExpiresAt, PushContext Context, string VerificationUri)
{
    public static PendingPush Parse(JsonNode item)
    {
        var context = item["context"];
        return new PendingPush(
            (string?)item["transactionId"] ?? throw new VerifyException(ExitCodes.Failure, "a pending push without transactionId"),
            (string?)item["method"] ?? "push",
            (string?)item["factorId"],
            (string?)item["nonce"] ?? "",
            (bool?)item["numberChallenge"] ?? false,
            Time((string?)item["created"]),
            Time((string?)item["expiresAt"]),
            new PushContext((string?)context?["login"], (string?)context?["ipAddress"], (string?)context?["userAgent"],
                (string?)context?["browser"], (string?)context?["os"], (string?)context?["appName"]) { Computer = (string?)context?["computer"] },
            (string?)item["verificationUri"] ?? throw new VerifyException(ExitCodes.Failure, "a pending push without verificationUri"));
    }

    private static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value : null;
}
