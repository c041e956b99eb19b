using Latchkey.Server.Features.Authenticators;
using Latchkey.Server.Features.Factors;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using QRCoder;

namespace Latchkey.Server.Features.Dashboard;

/// <summary>One of the person's factors as "Your authenticators" lists it; <see cref="DeviceName"/> for a factor of the authenticator app.</summary>
public sealed record MyFactorRow(UserFactorEntity Factor, string Name, string? DeviceName);

/// <summary>One device the person is on, with their link to it (its management status).</summary>
public sealed record MyDeviceRow(DeviceEntity Device, DeviceUserEntity Link);

/// <summary>
/// What the dashboard's settings show about the person's authenticators: their factors, their devices, whether they may
/// set up an authenticator app (the org's Google Authenticator authenticator is active), whether they have one, and an
/// unfinished set-up waiting for its first code.
/// </summary>
public sealed record MyAuthenticators(IReadOnlyList<MyFactorRow> Factors, IReadOnlyList<MyDeviceRow> Devices, bool AppOffered, bool AppActive,
    string? PendingAppFactorId);

/// <summary>A TOTP set-up just started: what the person scans or types, shown on this one response and never again.</summary>
public sealed record NewAppEnrollment(string FactorId, string SharedSecret, string OtpAuthUri, string QrCodeDataUri, DateTimeOffset ExpiresAt);

/// <summary>
/// The person's own authenticators and devices for the dashboard's settings page, and the QR code of a TOTP set-up.
/// The dashboard enrolls TOTP with the GOOGLE provider (the org's "Google Authenticator" authenticator: any TOTP app that
/// reads an <c>otpauth://</c> QR code); Okta Verify's TOTP comes with the authenticator app's own enrollment on a device.
/// </summary>
public static class MySecurity
{
    public const string AppProvider = FactorProviders.Google;

    public static async Task<MyAuthenticators> LoadAsync(LatchkeyDbContext db, UserEntity user, CancellationToken ct)
    {
        var factors = await db.UserFactors.AsNoTracking().Where(f => f.OrgId == user.OrgId && f.UserId == user.Id).ToListAsync(ct);
        var enrollmentIds = factors.Where(f => f.EnrollmentId != null).Select(f => f.EnrollmentId!).Distinct().ToList();
        var deviceNames = await db.DeviceEnrollments.AsNoTracking().Where(e => e.OrgId == user.OrgId && enrollmentIds.Contains(e.Id))
            .Join(db.Devices, e => e.DeviceId, d => d.Id, (e, d) => new { e.Id, d.DisplayName })
            .ToDictionaryAsync(x => x.Id, x => x.DisplayName, ct);
        var devices = await db.DeviceUsers.AsNoTracking().Where(l => l.OrgId == user.OrgId && l.UserId == user.Id)
            .Join(db.Devices, l => l.DeviceId, d => d.Id, (l, d) => new { Link = l, Device = d })
            .ToListAsync(ct);
        var google = await db.Authenticators.AsNoTracking().FirstOrDefaultAsync(a => a.OrgId == user.OrgId && a.Key == DefaultAuthenticators.GoogleOtp, ct);
        bool IsApp(UserFactorEntity f) => f.FactorType == FactorTypes.Totp && f.Provider == AppProvider && f.EnrollmentId == null;

        return new MyAuthenticators(
            factors.Where(f => f.Status == FactorStatus.Active).OrderBy(f => f.Created).ThenBy(f => f.Id, StringComparer.Ordinal)
                .Select(f => new MyFactorRow(f, Describe(f), f.EnrollmentId is { } e ? deviceNames.GetValueOrDefault(e) : null)).ToList(),
            devices.OrderBy(d => d.Link.Created).ThenBy(d => d.Device.Id, StringComparer.Ordinal).Select(d => new MyDeviceRow(d.Device, d.Link)).ToList(),
            AuthenticatorsApi.MethodActive(google, "otp"),
            factors.Any(f => IsApp(f) && f.Status == FactorStatus.Active),
            factors.FirstOrDefault(f => IsApp(f) && f.Status == FactorStatus.PendingActivation)?.Id);
    }

    /// <summary>How a factor is named to its owner: what it is, and through which authenticator.</summary>
    public static string Describe(UserFactorEntity f) => f.FactorType switch
    {
        FactorTypes.Push => "Push notifications (Okta Verify)",
        FactorTypes.SignedNonce => "Device-bound key (Okta Verify FastPass)",
        FactorTypes.Totp => $"Codes ({FactorResources.DisplayName(f)})",
        _ => $"{f.FactorType} ({f.Provider})",
    };

    /// <summary>The Key URI Format authenticator apps read: issuer and account as the label, SHA1, 6 digits, 30-second steps (what Latchkey checks).</summary>
    public static string OtpAuthUri(string issuer, string account, string base32Secret) =>
        $"otpauth://totp/{Uri.EscapeDataString(issuer)}:{Uri.EscapeDataString(account)}?secret={base32Secret}&issuer={Uri.EscapeDataString(issuer)}"
        + "&algorithm=SHA1&digits=6&period=30";

    /// <summary>A QR code of <paramref name="text"/> as a PNG data URI: drawn here, so the secret it holds goes to no other service.</summary>
    public static string QrCodeDataUri(string text)
    {
        using var data = QRCodeGenerator.GenerateQrCode(text, QRCodeGenerator.ECCLevel.M);
        return "data:image/png;base64," + Convert.ToBase64String(new PngByteQRCode(data).GetGraphic(5));
    }
}
