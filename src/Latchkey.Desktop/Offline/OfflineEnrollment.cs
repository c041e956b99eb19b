using Latchkey.Desktop.Profile;
using Latchkey.Desktop.Security;
using Latchkey.Desktop.Server;
using Latchkey.Desktop.State;

namespace Latchkey.Desktop.Offline;

/// <summary>
/// Setting up a device access code (the local part of offline enrollment): a new secret made on this computer, shown as
/// an <c>otpauth://</c> URI (and QR code) for the authenticator app, registered with the server as pending, and
/// confirmed by one code from the new account within <see cref="Lifetime"/>; only then is it sealed into the state.
/// An enrollment that is not confirmed in time is refused and leaves nothing behind on this computer.
/// </summary>
public sealed class OfflineEnrollment
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    private readonly DesktopAgent agent;
    private readonly byte[] secret;
    private string? enrollmentId;

    private OfflineEnrollment(DesktopAgent agent, string login, byte[] secret, DateTimeOffset startedAt)
    {
        this.agent = agent;
        this.secret = secret;
        Login = DesktopState.NormalizeLogin(login);
        StartedAt = startedAt;
    }

    public string Login { get; }

    public DateTimeOffset StartedAt { get; }

    public DateTimeOffset ExpiresAt => StartedAt + Lifetime;

    public string Label => agent.AccountLabel;

    public string Secret => DeviceAccessCodes.ToBase32(secret);

    /// <summary>The key URI (Google Authenticator's Key Uri Format): label <c>Issuer:Device access code NAME</c>, SHA1, 6 digits, 30 s.</summary>
    public string OtpAuthUri
    {
        get
        {
            var issuer = Uri.EscapeDataString(agent.Profile.Issuer);
            return $"otpauth://totp/{issuer}:{Uri.EscapeDataString(Label)}?secret={Secret}&issuer={issuer}" +
                $"&algorithm=SHA1&digits={DeviceAccessCodes.Digits}&period={DeviceAccessCodes.StepSeconds}";
        }
    }

    internal static OfflineEnrollment Begin(DesktopAgent agent, string login, TimeProvider time)
    {
        EnsureAllowed(agent.Profile);
        return new OfflineEnrollment(agent, login, DeviceAccessCodes.NewSecret(), time.GetUtcNow());
    }

    /// <summary>Refuses when the profile does not allow the device access code (checked before the online sign-in that enrollment needs).</summary>
    public static void EnsureAllowed(DesktopProfile profile)
    {
        if (!profile.Allows(DesktopFactor.OfflineTotp) || profile.OfflinePeriod <= TimeSpan.Zero)
        {
            throw new DesktopException(ExitCodes.Refused,
                $"the configuration profile does not allow the device access code on this computer ({ProfileReader.AllowedFactorsKey}: " +
                $"{string.Join(", ", profile.AllowedFactors.Select(DesktopProfile.NameOf))}; {ProfileReader.OfflinePeriodKey}: " +
                $"{profile.OfflinePeriod.TotalHours:0} hours): there is nothing to enroll");
        }
    }

    /// <summary>
    /// Registers the pending enrollment with the server (which fails clearly when it cannot be reached), with the login
    /// token of the person's online sign-in on this computer (<see cref="OnlineSignIn.LoginToken"/>, good for 5 minutes).
    /// </summary>
    public async Task RegisterAsync(string loginToken, CancellationToken cancellationToken)
    {
        var computer = agent.State.Write(writer => writer.Computer);
        var registration = await agent.Server.RegisterOfflineEnrollmentAsync(
            new OfflineEnrollmentRequest(Login, computer.Id, agent.ComputerName, computer.PublicKey, Label, Secret, ExpiresAt, loginToken), cancellationToken);
        enrollmentId = registration.EnrollmentId;
    }

    /// <summary>
    /// Confirms the enrollment with one code from the new account: refused when more than <see cref="Lifetime"/> has
    /// passed, when the code is not the new account's, or when this computer's clock is off (the message says by how
    /// much); otherwise confirmed with the server and sealed into the state.
    /// </summary>
    public async Task<DeviceAccessCodeRecord> ConfirmAsync(string? code, CancellationToken cancellationToken)
    {
        var id = enrollmentId ?? throw new InvalidOperationException("RegisterAsync comes before ConfirmAsync");
        var now = agent.Time.GetUtcNow();
        if (now > ExpiresAt)
        {
            throw new DesktopException(ExitCodes.EnrollmentExpired,
                $"the device access code enrollment expired: it was not confirmed within {Lifetime.TotalMinutes:0} minutes " +
                $"(started {OfflinePeriod.Format(StartedAt)}); nothing was set up. Run enroll-offline again and enter the new account's code within {Lifetime.TotalMinutes:0} minutes");
        }

        var check = OfflineCodeVerifier.Check(secret, code, now, []);
        switch (check.Result)
        {
            case OfflineCodeResult.Accepted:
                break;
            case OfflineCodeResult.ClockSkew:
                throw new DesktopException(ExitCodes.ClockSkew, check.Message + "; nothing was set up");
            case OfflineCodeResult.Wrong:
                throw new DesktopException(ExitCodes.Refused,
                    $"that code is not from the new \"{Label}\" account: add the account (scan the QR code or import the URI) and enter the code it shows; nothing was set up");
            default:
                throw new DesktopException(ExitCodes.Refused, check.Message + "; nothing was set up");
        }

        var digits = string.Concat(code!.Where(char.IsAsciiDigit));
        var confirmedAt = await agent.Server.ConfirmOfflineEnrollmentAsync(Login, id, digits, cancellationToken);
        var record = new DeviceAccessCodeRecord { Secret = Secret, Label = Label, EnrolledAt = confirmedAt, ServerEnrollmentId = id };
        agent.State.Write(writer =>
        {
            var user = writer.User(Login);
            user.DeviceAccessCode = record;
            user.UsedSteps.Clear();
            user.MarkUsed(check.Step!.Value);

            // Enrollment follows an online sign-in (the login window offers it after an online factor) and the server
            // has just confirmed it for this user: the offline period starts here.
            user.LastOnlineSignIn = now;
            return true;
        });
        return record;
    }
}
