namespace Latchkey.Core.Errors;

/// <summary>The error catalogue: each factory fills the real service's summary template.</summary>
public static class ApiErrors
{
    /// <summary>E0000001: one or more fields failed validation; each cause is "field: message".</summary>
    public static ApiError Validation(string field, string message) =>
        new(400, "E0000001", $"Api validation failed: {field}", [$"{field}: {message}"]);

    public static ApiError Validation(IReadOnlyList<(string Field, string Message)> failures) =>
        new(400, "E0000001", $"Api validation failed: {string.Join(", ", failures.Select(f => f.Field).Distinct())}",
            failures.Select(f => $"{f.Field}: {f.Message}").ToList());

    /// <summary>E0000001 for a precondition that is not about one field (e.g. suspending a non-ACTIVE user).</summary>
    public static ApiError Precondition(string what, string cause) =>
        new(400, "E0000001", $"Api validation failed: {what}", [cause]);

    public static ApiError MalformedBody() => new(400, "E0000003", "The request body was not well-formed.");

    /// <summary>A body that is not JSON in UTF-8 (the real service's "HTTP media type not supported" code, with status 415).</summary>
    public static ApiError UnsupportedMediaType(string contentType) => new(415, "E0000021",
        "Bad request.  Accept and/or Content-Type headers likely do not match supported values.",
        [$"Content-Type '{contentType}' is not supported: send application/json in UTF-8."]);

    public static ApiError AuthenticationFailed() => new(401, "E0000004", "Authentication failed");

    public static ApiError InvalidSession() => new(403, "E0000005", "Invalid session");

    public static ApiError Forbidden() => new(403, "E0000006", "You do not have permission to perform the requested action");

    public static ApiError NotFound(string id, string type) =>
        new(404, "E0000007", $"Not found: Resource not found: {id} ({type})");

    public static ApiError NotFoundPath() => new(404, "E0000007", "Not found: Resource not found");

    public static ApiError Internal() => new(500, "E0000009", "Internal Server Error");

    public static ApiError InvalidToken() => new(401, "E0000011", "Invalid token provided");

    /// <summary>E0000014: a credential change refused (wrong current password, policy, history, minimum age); the causes say why.</summary>
    public static ApiError CredentialsUpdateFailed(string cause) => new(403, "E0000014", "Update of credentials failed", [cause]);

    public static ApiError ForgotPasswordNotAllowed(string cause) => new(403, "E0000034", "Forgot password not allowed on specified user.", [cause]);

    public static ApiError ChangePasswordNotAllowed(string cause) => new(403, "E0000035", "Change password not allowed on specified user.", [cause]);

    public static ApiError ChangeRecoveryQuestionNotAllowed(string cause) =>
        new(403, "E0000036", "Change recovery question not allowed on specified user.", [cause]);

    public static ApiError PasswordPolicyViolation(string cause) =>
        new(403, "E0000080", "The password does not meet the complexity requirements of the current password policy.", [cause]);

    public static ApiError InvalidRecoveryAnswer() => new(403, "E0000087", "The recovery question answer did not match our records.");

    public static ApiError AlreadyActive() => new(403, "E0000016", "Activation failed because the user is already active");

    public static ApiError MethodNotAllowed(string method) =>
        new(405, "E0000022", "The endpoint does not support the provided HTTP method", [$"{method} is not supported here."]);

    public static ApiError MissingParameter(string name) =>
        new(400, "E0000028", "The request is missing a required parameter.", [$"{name}: is required"]);

    public static ApiError InvalidSearch(string cause) => new(400, "E0000031", "Invalid search criteria.", [cause]);

    public static ApiError UnlockNotAllowed() => new(403, "E0000032", "Unlock is not allowed for this user.");

    public static ApiError StatusForbids() => new(403, "E0000038", "This operation is not allowed in the user's current status.");

    public static ApiError RateLimited() => new(429, "E0000047", "API call exceeded rate limit due to too many requests.");

    public static ApiError InvalidFilter(string cause) => new(400, "E0000053", "Invalid SCIM filter.", [cause]);

    public static ApiError AppDeleteForbidden() =>
        new(403, "E0000056", "Delete application forbidden.", ["The application must be deactivated before deletion."]);

    public static ApiError ETagMismatch() => new(412, "E0000231", "ETag value doesn't match.");

    public static ApiError DuplicateAppLabel() =>
        new(400, "E0000040", "Application label must not be the same as an existing application label.", ["label: An application with this label already exists."]);

    public static ApiError UnsupportedOperation(string cause) => new(501, "E0000060", "Unsupported operation.", [cause]);

    public static ApiError ExpireOnCreateNeedsPassword() => new(400, "E0000124",
        "Could not create user. To create a user and expire their password immediately, a password must be specified");

    public static ApiError ExpireOnCreateNeedsActivation() => new(400, "E0000125",
        "Could not create user. To create a user and expire their password immediately, \"activate\" must be true");

    /// <summary>E0000090: the role is already assigned to this user (or group); the real service answers 409.</summary>
    public static ApiError DuplicateRoleAssignment() => new(409, "E0000090", "The role specified is already assigned to the user.");

    /// <summary>E0000211: the built-in Everyone group cannot hold admin roles.</summary>
    public static ApiError RoleOnBuiltInGroup(string group) => new(400, "E0000211", $"Roles cannot be granted to built-in groups: {group}");

    /// <summary>E0000194: only Okta groups (not app groups) can hold admin roles.</summary>
    public static ApiError RoleOnNonOktaGroup(string group) =>
        new(400, "E0000194", $"Roles can only be granted to Okta groups, AD groups and LDAP groups. {group}");

    public static ApiError PayloadTooLarge(long limit) =>
        new(413, "E0000003", "The request body was not well-formed.", [$"The request body is larger than {limit} bytes."]);
}
