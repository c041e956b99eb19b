namespace Latchkey.Core.SignIn;

/// <summary>What the sign-in machine needs to know of a user: status, failed passwords in a row, when the status last changed.</summary>
public sealed record SignInUser(string Id, string Status, int FailedPasswordAttempts, DateTimeOffset? StatusChanged);
