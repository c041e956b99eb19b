using System.Text.Json.Nodes;
using Latchkey.Contracts;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Users;
using Latchkey.Server.Api;
using Latchkey.Server.Persistence;

namespace Latchkey.Server.Features.Users;

/// <summary>Stored user to wire user, with the lifecycle links the user's status allows.</summary>
public static class UserResources
{
    private static readonly ProviderResource OktaProvider = new("OKTA", "OKTA");

    public static UserResource ToResource(UserEntity user, string apiBase) => new()
    {
        Id = user.Id,
        Status = user.Status,
        TransitioningToStatus = user.TransitioningToStatus,
        Created = user.Created,
        Activated = user.Activated,
        StatusChanged = user.StatusChanged,
        LastLogin = user.LastLogin,
        LastUpdated = user.LastUpdated,
        PasswordChanged = user.PasswordChanged,
        Type = new IdRef(user.TypeId),
        Profile = ParseProfile(user.ProfileJson),
        Credentials = Credentials(user),
        Links = Links(user, apiBase),
    };

    /// <summary>The user's <c>credentials</c>: <c>password: {}</c> when one exists (never its value), the recovery question, the provider.</summary>
    public static UserCredentialsResource Credentials(UserEntity user) => new()
    {
        Password = user.PasswordHash is null ? null : EmptyObject.Instance,
        RecoveryQuestion = user.RecoveryQuestion is null ? null : new RecoveryQuestionResource(user.RecoveryQuestion),
        Provider = OktaProvider,
    };

    public static JsonObject ParseProfile(string json) => JsonNode.Parse(json, documentOptions: ApiJson.DocumentOptions) as JsonObject ?? [];

    public static LogTarget Target(UserEntity user) =>
        new(user.Id, "User", user.Login, $"{user.FirstName} {user.LastName}".Trim());

    public static string ETag(UserEntity user) => $"W/\"{user.Version}\"";

    private static Dictionary<string, Link> Links(UserEntity user, string apiBase)
    {
        var self = $"{apiBase}/users/{user.Id}";
        var links = new Dictionary<string, Link>(StringComparer.Ordinal);
        void Post(string rel, string path) => links[rel] = new Link($"{self}/{path}") { Hints = Hints.Post };

        switch (user.Status)
        {
            case UserStatus.Staged:
                Post("activate", "lifecycle/activate");
                break;
            case UserStatus.Provisioned:
                Post("reactivate", "lifecycle/reactivate");
                Post("deactivate", "lifecycle/deactivate");
                break;
            case UserStatus.Active or UserStatus.PasswordExpired or UserStatus.Recovery:
                Post("suspend", "lifecycle/suspend");
                Post("resetPassword", "lifecycle/reset_password");
                Post("resetFactors", "lifecycle/reset_factors");
                Post("deactivate", "lifecycle/deactivate");
                if (user.PasswordHash is not null)
                {
                    Post("expirePassword", "lifecycle/expire_password");
                }

                break;
            case UserStatus.Suspended:
                Post("unsuspend", "lifecycle/unsuspend");
                Post("deactivate", "lifecycle/deactivate");
                break;
            case UserStatus.LockedOut:
                Post("unlock", "lifecycle/unlock");
                Post("deactivate", "lifecycle/deactivate");
                break;
            case UserStatus.Deprovisioned:
                Post("activate", "lifecycle/activate");
                break;
        }

        if (CredentialRules.ChangePassword(user.Status, user.PasswordHash is not null) is null)
        {
            Post("changePassword", "credentials/change_password");
        }

        if (CredentialRules.ChangeRecoveryQuestion(user.Status, user.PasswordHash is not null) is null)
        {
            Post("changeRecoveryQuestion", "credentials/change_recovery_question");
        }

        if (CredentialRules.ForgotPassword(user.Status, user.RecoveryQuestion is not null) is null)
        {
            Post("forgotPassword", "credentials/forgot_password");
        }

        links["self"] = new Link(self);
        return links;
    }
}

public static class Hints
{
    public static readonly LinkHints Post = new(["POST"]);
    public static readonly LinkHints Get = new(["GET"]);
    public static readonly LinkHints GetPutDelete = new(["GET", "PUT", "DELETE"]);
}
