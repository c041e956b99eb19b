namespace Latchkey.Core.SignIn;

/// <summary>
/// What a sign-in must prove, as a caller asks for it with OpenID Connect's <c>acr_values</c> (the real service's
/// values): <see cref="TwoFactor"/> asks for a second factor after the password. A value Latchkey does not know asks
/// for nothing more than the org's policy does, as an unknown <c>acr_values</c> does in OpenID Connect.
/// </summary>
public static class SignInAssurance
{
    public const string TwoFactor = "urn:okta:loa:2fa:any";

    public static bool AsksSecondFactor(string? acrValues) =>
        acrValues is not null && acrValues.Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(v => v == TwoFactor);

    /// <summary><paramref name="acrValues"/> plus a second factor (the sign-on policy's <c>requireFactor</c>), unchanged when it already asks for one.</summary>
    public static string WithSecondFactor(string? acrValues) =>
        AsksSecondFactor(acrValues) ? acrValues! : string.IsNullOrWhiteSpace(acrValues) ? TwoFactor : $"{acrValues} {TwoFactor}";
}
