using Latchkey.Core.Security;
using Latchkey.Verify.State;

namespace Latchkey.Verify.Totp;

/// <summary>The code an account shows now (RFC 6238, computed by Latchkey.Core's <see cref="TotpCodes"/>) and how many seconds it has left.</summary>
public sealed record TotpCode(string Code, int SecondsLeft)
{
    public static TotpCode At(TotpSettings settings, DateTimeOffset now)
    {
        var unix = now.ToUnixTimeSeconds();
        var step = unix / settings.Period;
        var code = TotpCodes.Compute(OtpAuthUri.SecretBytes(settings), step, settings.Period, settings.Digits, OtpAuthUri.AlgorithmOf(settings));
        return new TotpCode(code, (int)(settings.Period - (unix % settings.Period)));
    }
}
