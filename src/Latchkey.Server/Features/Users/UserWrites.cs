using System.Text.Json;
using System.Text.Json.Nodes;
using Latchkey.Core.Errors;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Core.Users;
using Latchkey.Server.Api;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Groups;
using Latchkey.Server.Features.Roles;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Features.Users;

/// <summary>Create, update, replace and delete users.</summary>
public static class UserWrites
{
    /// <summary>What creating a user takes: the profile and optional credentials of <c>POST /users</c> and its query flags.</summary>
    public sealed record UserCreation(JsonObject Profile, string? Password, bool Activate)
    {
        public (string Question, string Answer)? Recovery { get; init; }
        public IReadOnlyList<string> GroupIds { get; init; } = [];
        public string? TypeId { get; init; }
        /// <summary><c>changePassword</c> or empty.</summary>
        public string NextLogin { get; init; } = "";
    }

    public static async Task<IResult> Create(HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        PasswordHasher hasher, TimeProvider time)
    {
        var caller = ApiCaller.Required(context);
        var request = context.Request;
        var activate = JsonBody.QueryBool(request, "activate", true);
        var body = await JsonBody.ReadObjectAsync(request);
        var profile = UserProfiles.WithoutNulls(JsonBody.Object(body, "profile", "profile") ?? []);
        UserProfiles.Validate(profile); // before the credentials, so a bad profile is the error a client sees first
        var credentials = JsonBody.Object(body, "credentials", "credentials");
        var creation = new UserCreation(profile, ReadPassword(credentials), activate)
        {
            Recovery = ReadRecovery(credentials),
            GroupIds = ReadGroupIds(body),
            TypeId = JsonBody.Object(body, "type", "type") is { } type ? JsonBody.String(type, "id", "type.id") : null,
            NextLogin = request.Query["nextLogin"].ToString(),
        };
        var user = await CreateAsync(caller, creation, db, write, log, hasher, time, context.RequestAborted);
        return ApiResponses.Json(UserResources.ToResource(user, ApiUrls.ApiBase(request)));
    }

    /// <summary>
    /// Creates a user with the rules and error messages of <c>POST /users</c>: the Management API and the console's
    /// "Add person" both come here, so both refuse the same input with the same causes.
    /// </summary>
    public static async Task<UserEntity> CreateAsync(ApiCaller caller, UserCreation creation, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, PasswordHasher hasher, TimeProvider time, CancellationToken ct)
    {
        var profile = UserProfiles.WithoutNulls(creation.Profile);
        UserProfiles.Validate(profile);
        var (password, activate, nextLogin, typeId) = (creation.Password, creation.Activate, creation.NextLogin, creation.TypeId);
        if (nextLogin.Length > 0)
        {
            if (nextLogin != "changePassword")
            {
                throw new ApiException(ApiErrors.Validation("nextLogin", "The only accepted value is changePassword."));
            }

            if (!activate)
            {
                throw new ApiException(ApiErrors.ExpireOnCreateNeedsActivation());
            }

            if (password is null)
            {
                throw new ApiException(ApiErrors.ExpireOnCreateNeedsPassword());
            }
        }

        if (typeId is not null && typeId != DefaultUserType(caller.OrgId))
        {
            throw new ApiException(ApiErrors.Validation("type.id", $"The user type {typeId} does not exist."));
        }

        var now = IsoTime.Truncate(time.GetUtcNow());
        var user = NewUser(caller.OrgId, profile, activate, hasPassword: password is not null, now);
        if (password is not null)
        {
            SetPassword(user, password, hasher, now);
        }

        SetRecovery(user, creation.Recovery, hasher);

        if (nextLogin == "changePassword")
        {
            user.Status = UserStatus.PasswordExpired;
        }

        try
        {
            await write.RunAsync(caller.OrgId, async () =>
        {
            // A taken login is caught by the unique index at commit (see UniqueViolation): one query less per create.
            db.Users.Add(user);
            var target = UserResources.Target(user);
            log.Stage(EventTypes.UserCreate, [target]);
            if (user.Status != UserStatus.Staged)
            {
                log.Stage(EventTypes.UserActivate, [target]);
            }

            await GroupMembership.AddToEveryoneAsync(db, user, now, ct);
            foreach (var groupId in creation.GroupIds)
            {
                var group = await db.Groups.FirstOrDefaultAsync(g => g.Id == groupId && g.OrgId == caller.OrgId, ct)
                    ?? throw new ApiException(ApiErrors.Validation("groupIds", $"Group {groupId} was not found."));
                GroupMembership.Add(db, log, group, user, now);
            }
        }, ct);
        }
        catch (DbUpdateException e) when (UniqueViolation.On(e, "LoginKey"))
        {
            throw new ApiException(ApiErrors.Validation("login", ProfileRules.Taken));
        }

        return user;
    }

    /// <summary>POST /users/{id}: partial update; profile members given replace the stored ones.</summary>
    public static Task<IResult> Update(string id, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        PasswordHasher hasher, TimeProvider time) =>
        Change(id, context, db, write, log, hasher, time, partial: true);

    /// <summary>PUT /users/{id}: the profile is replaced whole.</summary>
    public static Task<IResult> Replace(string id, HttpContext context, LatchkeyDbContext db, OrgWrite write, SystemLogWriter log,
        PasswordHasher hasher, TimeProvider time) =>
        Change(id, context, db, write, log, hasher, time, partial: false);

    private static async Task<IResult> Change(string id, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, PasswordHasher hasher, TimeProvider time, bool partial)
    {
        var caller = ApiCaller.Required(context);
        var body = await JsonBody.ReadObjectAsync(context.Request);
        var profileChanges = JsonBody.Object(body, "profile", "profile");
        var credentials = JsonBody.Object(body, "credentials", "credentials");
        var password = ReadPassword(credentials);
        var recovery = ReadRecovery(credentials);
        if (!partial && profileChanges is null)
        {
            throw new ApiException(ApiErrors.Validation("profile", "The field cannot be left blank"));
        }

        // Validation and password hashing (deliberately slow) happen before the write, on a snapshot, so
        // they never hold the org's write turn; the write re-plans only if the user changed meanwhile.
        var ct = context.RequestAborted;
        var snapshot = await UserLookup.GetAsync(db, caller, id, ct);
        var plan = PlanChange(snapshot, profileChanges, password, recovery, partial, hasher);
        var user = await write.RunAsync(caller.OrgId, async () =>
        {
            var user = await db.Users.FirstOrDefaultAsync(u => u.Id == snapshot.Id, ct)
                ?? throw new ApiException(ApiErrors.NotFound(id, "User"));
            // If-Match: the change applies only to the version the client read (no lost update).
            var ifMatch = context.Request.Headers.IfMatch.ToString();
            if (ifMatch.Length > 0 && ifMatch != "*" && ifMatch != UserResources.ETag(user))
            {
                throw new ApiException(ApiErrors.ETagMismatch());
            }

            if (user.Version != snapshot.Version)
            {
                plan = PlanChange(user, profileChanges, password, recovery, partial, hasher);
            }

            var now = IsoTime.Truncate(time.GetUtcNow());
            var target = UserResources.Target(user);
            var changed = false;
            if (plan.Profile is { } profile && !JsonNode.DeepEquals(profile, UserResources.ParseProfile(user.ProfileJson)))
            {
                var oldLogin = user.LoginKey;
                UserProfiles.Apply(user, profile);
                if (user.LoginKey != oldLogin)
                {
                    await EnsureLoginFreeAsync(db, user, ct);
                }

                log.Stage(EventTypes.UserUpdateProfile, [target]);
                changed = true;
            }

            if (plan.Password is { } newPassword)
            {
                (user.PasswordHash, user.PasswordHistory, user.PasswordChanged) = (newPassword.Hash, newPassword.History, now);
                log.Stage(EventTypes.UserUpdatePassword, [target]);
                changed = true;
            }

            if (plan.Recovery is { } newRecovery)
            {
                (user.RecoveryQuestion, user.RecoveryAnswerHash) = newRecovery;
                StageRecoveryQuestionChange(log, target);
                changed = true;
            }

            if (changed)
            {
                user.LastUpdated = now;
                user.Version++;
            }

            return user;
        }, ct);

        context.Response.Headers.ETag = UserResources.ETag(user);
        return ApiResponses.Json(UserResources.ToResource(user, ApiUrls.ApiBase(context.Request)));
    }

    /// <summary>The event of a changed recovery question (a credential attribute of the profile, as the real service logs it).</summary>
    internal static void StageRecoveryQuestionChange(SystemLogWriter log, LogTarget target, LogOutcome? outcome = null) =>
        log.Stage(EventTypes.UserUpdateProfile, [target], outcome, displayMessage: "Update recovery question for Okta user",
            debugData: new Dictionary<string, object?> { ["changedAttributes"] = "credentials.recovery_question" });

    /// <summary>DELETE /users/{id}: the first call deactivates; on a DEPROVISIONED user it deletes for good.</summary>
    public static async Task<IResult> Delete(string id, HttpContext context, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time, ApiTokenCache tokens)
    {
        await DeleteAsync(ApiCaller.Required(context), id, db, write, log, time, tokens, context.RequestAborted);
        return ApiResponses.NoContent();
    }

    /// <summary>The rule of <c>DELETE /users/{id}</c> (the API and the console's Delete): deactivates first, deletes a DEPROVISIONED user for good.</summary>
    public static async Task DeleteAsync(ApiCaller caller, string id, LatchkeyDbContext db, OrgWrite write,
        SystemLogWriter log, TimeProvider time, ApiTokenCache tokens, CancellationToken ct)
    {
        await write.RunAsync(caller.OrgId, async () =>
        {
            var user = await UserLookup.GetForUpdateAsync(db, caller, id, ct);
            var target = UserResources.Target(user);
            if (user.Status != UserStatus.Deprovisioned)
            {
                UserLifecycleEndpoints.ApplyDeactivate(user, IsoTime.Truncate(time.GetUtcNow()));
                log.Stage(EventTypes.UserDeactivate, [target]);
                tokens.ForgetUser(user.Id);
                return;
            }

            log.Stage(EventTypes.UserDeleteInitiated, [target]);
            var now = IsoTime.Truncate(time.GetUtcNow());
            await db.Groups.Where(g => db.GroupMembers.Any(m => m.GroupId == g.Id && m.UserId == user.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(g => g.LastMembershipUpdated, now), ct);
            await db.GroupMembers.Where(m => m.UserId == user.Id).ExecuteDeleteAsync(ct);
            await db.AppUsers.Where(a => a.UserId == user.Id).ExecuteDeleteAsync(ct);
            // The user's factors (and their sealed secrets) go with them.
            await db.UserFactors.Where(f => f.OrgId == user.OrgId && f.UserId == user.Id).ExecuteDeleteAsync(ct);
            await db.WebAuthnCredentials.Where(c => c.OrgId == user.OrgId && c.UserId == user.Id).ExecuteDeleteAsync(ct);
            var roles = db.RoleAssignments.Where(r => r.OrgId == user.OrgId && r.AssigneeType == AdminGrants.UserAssignee && r.AssigneeId == user.Id);
            RoleAssignmentsApi.StageRevoked(log, isUser: true, target, await roles.Select(r => r.Type).ToListAsync(ct));
            await roles.ExecuteDeleteAsync(ct);
            var tokenIds = await db.ApiTokens.Where(t => t.UserId == user.Id).Select(t => t.Id).ToListAsync(ct);
            await db.ApiTokens.Where(t => t.UserId == user.Id).ExecuteDeleteAsync(ct);
            tokenIds.ForEach(tokens.ForgetToken);
            db.Users.Remove(user);
            log.Stage(EventTypes.UserDeleteCompleted, [target]);
        }, ct);
    }

    public static string DefaultUserType(string orgId) => IdPrefix.UserType + orgId[3..];

    /// <summary>A new user row from a validated profile, in the status and with the dates creation gives it (no password set yet).</summary>
    public static UserEntity NewUser(string orgId, JsonObject profile, bool activate, bool hasPassword, DateTimeOffset now)
    {
        var user = new UserEntity
        {
            Id = RandomIds.NewId(IdPrefix.User, now), OrgId = orgId, Status = UserLifecycle.StatusAtCreate(activate, hasPassword),
            Created = now, LastUpdated = now, Login = "", LoginKey = "", Email = "", ProfileJson = "{}", TypeId = DefaultUserType(orgId),
        };
        UserProfiles.Apply(user, profile);
        if (user.Status != UserStatus.Staged)
        {
            user.Activated = now;
            user.StatusChanged = now;
        }

        return user;
    }

    internal static async Task EnsureLoginFreeAsync(LatchkeyDbContext db, UserEntity user, CancellationToken ct)
    {
        if (await db.Users.AnyAsync(u => u.OrgId == user.OrgId && u.LoginKey == user.LoginKey && u.Id != user.Id, ct))
        {
            throw new ApiException(ApiErrors.Validation("login", ProfileRules.Taken));
        }
    }

    private sealed record ChangePlan(JsonObject? Profile, (string Hash, string? History)? Password, (string Question, string AnswerHash)? Recovery);

    /// <summary>Everything an update will write, computed from <paramref name="user"/> without changing it.</summary>
    private static ChangePlan PlanChange(UserEntity user, JsonObject? profileChanges, string? password,
        (string Question, string Answer)? recovery, bool partial, PasswordHasher hasher)
    {
        JsonObject? profile = null;
        if (profileChanges is not null)
        {
            var stored = UserResources.ParseProfile(user.ProfileJson);
            profile = partial ? UserProfiles.Merge(stored, profileChanges) : UserProfiles.WithoutNulls(profileChanges);
            UserProfiles.Validate(profile);
        }

        var login = (string?)profile?["login"] ?? user.Login;
        var first = profile is null ? user.FirstName : (string?)profile["firstName"];
        var last = profile is null ? user.LastName : (string?)profile["lastName"];
        var newPassword = password is null ? ((string, string?)?)null : PlanPassword(password, login, first, last, user.PasswordHash, user.PasswordHistory, hasher);
        var newRecovery = recovery is { } r ? (r.Question, hasher.Hash(NormalizeAnswer(r.Answer))) : ((string, string)?)null;
        return new ChangePlan(profile, newPassword, newRecovery);
    }

    /// <summary>
    /// Checks the policy, including that the password is none of the last ones; returns its hash and the new history.
    /// A refusal is 400 E0000001 naming <c>password</c>, or the error <paramref name="refuse"/> makes of the message.
    /// </summary>
    internal static (string Hash, string? History) PlanPassword(string password, string login, string? firstName, string? lastName,
        string? currentHash, string? history, PasswordHasher hasher, Func<string, ApiError>? refuse = null)
    {
        var policy = PasswordPolicy.Default;
        refuse ??= message => ApiErrors.Validation("password", message);
        if (policy.Check(password, login, firstName, lastName) is { } message)
        {
            throw new ApiException(refuse(message));
        }

        var recent = (history is null ? [] : JsonSerializer.Deserialize<List<string>>(history) ?? [])
            .Prepend(currentHash).OfType<string>().Take(policy.HistoryCount).ToList();
        if (recent.Any(hash => PasswordHasher.Verify(password, hash)))
        {
            throw new ApiException(refuse(policy.Refusal));
        }

        return (hasher.Hash(password), recent.Count == 0 ? null : JsonSerializer.Serialize(recent.Take(policy.HistoryCount - 1).ToList()));
    }

    private static void SetPassword(UserEntity user, string password, PasswordHasher hasher, DateTimeOffset now)
    {
        (user.PasswordHash, user.PasswordHistory) = PlanPassword(password, user.Login, user.FirstName, user.LastName,
            user.PasswordHash, user.PasswordHistory, hasher);
        user.PasswordChanged = now;
    }

    /// <summary>A new random password for this user that the org's password policy accepts (see <see cref="PasswordGenerator"/>).</summary>
    public static string GeneratePassword(string login, string? firstName, string? lastName) =>
        PasswordGenerator.Generate(PasswordPolicy.Default, login, firstName, lastName);

    /// <summary>Recovery answers are compared without regard to case or surrounding spaces.</summary>
    internal static string NormalizeAnswer(string answer) => answer.Trim().ToLowerInvariant();

    /// <summary>
    /// The <c>value</c> of a password object (<c>credentials.password</c>, or a member such as <c>newPassword</c>);
    /// null when absent. Hashes and hooks cannot be imported.
    /// </summary>
    internal static string? ReadPassword(JsonObject? container, string member = "password", string field = "credentials.password",
        string valueField = "password")
    {
        if (container is null || JsonBody.Object(container, member, field) is not { } password)
        {
            return null;
        }

        if (password["hash"] is not null || password["hook"] is not null)
        {
            throw new ApiException(ApiErrors.Validation(field, "Importing password hashes and password hooks is not supported; send a value."));
        }

        return JsonBody.String(password, "value", valueField);
    }

    internal static (string Question, string Answer)? ReadRecovery(JsonObject? credentials)
    {
        if (credentials is null || JsonBody.Object(credentials, "recovery_question", "recovery_question") is not { } rq)
        {
            return null;
        }

        var question = JsonBody.String(rq, "question", "recovery_question.question");
        var answer = JsonBody.String(rq, "answer", "recovery_question.answer");
        if (string.IsNullOrWhiteSpace(question) || question.Length > 255)
        {
            throw new ApiException(ApiErrors.Validation("recovery_question.question", "The security question must be 1 to 255 characters."));
        }

        if (answer is null || answer.Trim().Length < 4)
        {
            throw new ApiException(ApiErrors.Validation("recovery_question.answer",
                "The security question answer must be at least 4 characters in length"));
        }

        if (answer.Length > 255)
        {
            throw new ApiException(ApiErrors.Validation("recovery_question.answer",
                "The security question answer must be at most 255 characters in length"));
        }

        if (answer.Contains(question.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(ApiErrors.Validation("recovery_question.answer",
                "The security question answer must not contain the question"));
        }

        return (question, answer);
    }

    private static void SetRecovery(UserEntity user, (string Question, string Answer)? recovery, PasswordHasher hasher)
    {
        if (recovery is { } r)
        {
            user.RecoveryQuestion = r.Question;
            user.RecoveryAnswerHash = hasher.Hash(NormalizeAnswer(r.Answer));
        }
    }

    private static List<string> ReadGroupIds(JsonObject body)
    {
        if (body["groupIds"] is null)
        {
            return [];
        }

        if (body["groupIds"] is not JsonArray array || array.Count > 100
            || array.Any(n => n is not JsonValue v || !v.TryGetValue<string>(out _)))
        {
            throw new ApiException(ApiErrors.Validation("groupIds", "The value must be an array of at most 100 group ids."));
        }

        return array.Select(n => (string)n!).Distinct(StringComparer.Ordinal).ToList();
    }
}
