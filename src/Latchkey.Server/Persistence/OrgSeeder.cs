using System.Text.Json.Nodes;
using Latchkey.Core.Ids;
using Latchkey.Core.Security;
using Latchkey.Core.SystemLog;
using Latchkey.Core.Time;
using Latchkey.Core.Users;
using Latchkey.Server.Features.ApiTokens;
using Latchkey.Server.Features.Apps;
using Latchkey.Server.Features.Authenticators;
using Latchkey.Server.Features.Groups;
using Latchkey.Server.Features.Policies;
using Latchkey.Server.Features.SystemLog;
using Latchkey.Server.Features.Users;
using Microsoft.EntityFrameworkCore;

namespace Latchkey.Server.Persistence;

/// <summary>
/// What a start created and must tell the operator once: a new org's admin sign-in and API token (null when the
/// org existed), and the password of each demo user it added.
/// </summary>
public sealed record FirstStart(NewOrgCredentials? Org, IReadOnlyList<DemoCredential> DemoUsers)
{
    public bool Demo => DemoUsers.Count > 0;
}

public sealed record NewOrgCredentials(string AdminLogin, string AdminPassword, string ApiToken, bool TokenFromConfiguration);

/// <summary>A demo user's sign-in; <paramref name="Password"/> is null for a user created without one (staged).</summary>
public sealed record DemoCredential(string Login, string? Password);

/// <summary>
/// Creates a new org as the real service's new org starts (Everyone group, default policies) with a
/// super-admin and an API token, and optionally the demo org's users, groups and Bookmark app.
/// </summary>
public sealed class OrgSeeder(LatchkeyDbContext db, OrgWrite write, SystemLogWriter log, PasswordHasher hasher, TimeProvider time,
    Microsoft.AspNetCore.DataProtection.IDataProtectionProvider protection)
{
    public const string AdminLogin = "admin@example.com";
    private const string AdminFirstName = "Ada";
    private const string AdminLastName = "Admin";

    public async Task<FirstStart> CreateOrgAsync(string? bootstrapToken, bool demo, CancellationToken ct)
    {
        var now = IsoTime.Truncate(time.GetUtcNow());
        var org = new OrgEntity { Id = RandomIds.NewId(IdPrefix.Org, now), Name = "Latchkey", Created = now };
        db.Orgs.Add(org);
        db.LogChainHeads.Add(new LogChainHeadEntity { OrgId = org.Id, Sequence = 0, LastHash = LogChainHasher.Genesis });
        db.OrgSigningKeys.Add(Features.OrgKeys.OrgSigningKeys.NewKey(protection, org.Id, now));
        await db.SaveChangesAsync(ct);

        var password = UserWrites.GeneratePassword(AdminLogin, AdminFirstName, AdminLastName);
        var token = bootstrapToken ?? ApiTokenIssuer.NewValue();
        await write.RunAsync(org.Id, async () =>
        {
            db.Groups.Add(NewGroup(org.Id, GroupTypes.BuiltIn, GroupTypes.EveryoneName, "All users in your organization", now));
            DefaultPolicies.Seed(db, org.Id, now);
            await DefaultAuthenticators.EnsureAsync(db, org.Id, now, ct);
            await Features.NetworkZones.SystemZones.EnsureAsync(db, org.Id, now, ct);
            await db.SaveChangesAsync(ct);

            var admin = await AddUserAsync(org.Id, AdminLogin, AdminFirstName, AdminLastName, password, now, ct);
            admin.IsSuperAdmin = true;
            db.RoleAssignments.Add(new RoleAssignmentEntity
            {
                Id = RandomIds.NewId(IdPrefix.RoleAssignment, now), OrgId = org.Id, AssigneeType = Features.Roles.AdminGrants.UserAssignee,
                AssigneeId = admin.Id, Type = Core.Admin.AdminRole.SuperAdmin, Created = now, LastUpdated = now,
            });
            ApiTokenIssuer.Stage(db, log, org.Id, admin.Id, bootstrapToken is null ? "First-start token" : "Bootstrap token", now, token);
        }, ct);

        var demoUsers = demo ? await SeedDemoAsync(org.Id, ct) : [];
        return new FirstStart(new NewOrgCredentials(AdminLogin, password, token, bootstrapToken is not null), demoUsers);
    }

    /// <summary>
    /// The demo org: a few users in two groups and a Bookmark app assigned to one group. Each active demo user gets
    /// a generated password of their own (returned, to be shown once); dave is staged, without one.
    /// </summary>
    public async Task<IReadOnlyList<DemoCredential>> SeedDemoAsync(string orgId, CancellationToken ct)
    {
        var now = IsoTime.Truncate(time.GetUtcNow());
        var credentials = new List<DemoCredential>();
        await write.RunAsync(orgId, async () =>
        {
            credentials.Clear();
            var alice = await AddDemoUserAsync(orgId, "alice@example.com", "Alice", "Anders", credentials, now, ct);
            var bob = await AddDemoUserAsync(orgId, "bob@example.com", "Bob", "Brown", credentials, now, ct);
            var carol = await AddDemoUserAsync(orgId, "carol@example.com", "Carol", "Chen", credentials, now, ct);
            await AddUserAsync(orgId, "dave@example.com", "Dave", "Diaz", null, now, ct, activate: false);
            credentials.Add(new DemoCredential("dave@example.com", null));

            var engineering = NewGroup(orgId, GroupTypes.Okta, "Engineering", "People who build things", now);
            var sales = NewGroup(orgId, GroupTypes.Okta, "Sales", "People who sell things", now);
            db.Groups.AddRange(engineering, sales);
            log.Stage(EventTypes.GroupCreate, [GroupResources.Target(engineering)]);
            log.Stage(EventTypes.GroupCreate, [GroupResources.Target(sales)]);
            GroupMembership.Add(db, log, engineering, alice, now);
            GroupMembership.Add(db, log, engineering, bob, now);
            GroupMembership.Add(db, log, sales, carol, now);

            var body = new JsonObject { ["signOnMode"] = "BOOKMARK", ["label"] = "Managed Device Check",
                ["settings"] = new JsonObject { ["app"] = new JsonObject { ["url"] = "https://example.com/managed-device-check" } } };
            var definition = AppDefinitions.Read(body);
            var app = new AppEntity
            {
                Id = RandomIds.NewId(IdPrefix.App, now), OrgId = orgId, Name = definition.Name, Label = definition.Label,
                LabelKey = definition.Label.ToLowerInvariant(), SignOnMode = definition.SignOnMode, Status = AppStatus.Active,
                Created = now, LastUpdated = now, BodyJson = definition.Body.ToJsonString(), AppLinkId = RandomIds.NewId(IdPrefix.AppLink, now),
                AccessPolicyId = await DefaultPolicies.AccessPolicyIdAsync(db, orgId, ct),
            };
            db.Apps.Add(app);
            log.Stage(EventTypes.AppCreate, [AppResources.Target(app)]);
            db.AppGroups.Add(new AppGroupEntity { AppId = app.Id, GroupId = engineering.Id, Priority = 0, ProfileJson = "{}", Created = now, LastUpdated = now });
            log.Stage(EventTypes.GroupAppAssign, [GroupResources.Target(engineering), AppResources.Target(app)]);
        }, ct);
        return credentials;
    }

    public async Task<bool> HasDemoAsync(CancellationToken ct) => await db.Users.AnyAsync(u => u.LoginKey == "alice@example.com", ct);

    private async Task<UserEntity> AddDemoUserAsync(string orgId, string login, string first, string last,
        List<DemoCredential> credentials, DateTimeOffset now, CancellationToken ct)
    {
        var password = UserWrites.GeneratePassword(login, first, last);
        credentials.Add(new DemoCredential(login, password));
        return await AddUserAsync(orgId, login, first, last, password, now, ct);
    }

    private async Task<UserEntity> AddUserAsync(string orgId, string login, string first, string last, string? password,
        DateTimeOffset now, CancellationToken ct, bool activate = true)
    {
        var profile = new JsonObject { ["firstName"] = first, ["lastName"] = last, ["email"] = login, ["login"] = login };
        var user = UserWrites.NewUser(orgId, profile, activate, hasPassword: password is not null, now);
        if (password is not null)
        {
            user.PasswordHash = hasher.Hash(password);
            user.PasswordChanged = now;
        }

        db.Users.Add(user);
        log.Stage(EventTypes.UserCreate, [UserResources.Target(user)]);
        await GroupMembership.AddToEveryoneAsync(db, user, now, ct);
        return user;
    }

    private static GroupEntity NewGroup(string orgId, string type, string name, string description, DateTimeOffset now) => new()
    {
        Id = RandomIds.NewId(IdPrefix.Group, now), OrgId = orgId, Type = type, Name = name, NameKey = name.ToLowerInvariant(),
        Description = description, ProfileJson = new JsonObject { ["name"] = name, ["description"] = description }.ToJsonString(),
        Created = now, LastUpdated = now, LastMembershipUpdated = now,
    };
}
