using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Latchkey.Server.Persistence;

/// <summary>The one model; <see cref="SqliteLatchkeyDbContext"/> and <see cref="NpgsqlLatchkeyDbContext"/> own a migration set each.</summary>
public abstract class LatchkeyDbContext(DbContextOptions options) : DbContext(options), IDataProtectionKeyContext
{
    /// <summary>The Data Protection key ring (antiforgery, temporary page data, later secrets at rest): shared by every node.</summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<OrgEntity> Orgs => Set<OrgEntity>();
    public DbSet<UserEntity> Users => Set<UserEntity>();
    public DbSet<GroupEntity> Groups => Set<GroupEntity>();
    public DbSet<GroupMemberEntity> GroupMembers => Set<GroupMemberEntity>();
    public DbSet<AppEntity> Apps => Set<AppEntity>();
    public DbSet<AppUserEntity> AppUsers => Set<AppUserEntity>();
    public DbSet<AppClientEntity> AppClients => Set<AppClientEntity>();
    public DbSet<DesktopMfaEnrollmentEntity> DesktopMfaEnrollments => Set<DesktopMfaEnrollmentEntity>();
    public DbSet<DesktopMfaComputerEntity> DesktopMfaComputers => Set<DesktopMfaComputerEntity>();
    public DbSet<DesktopMfaSeatEntity> DesktopMfaSeats => Set<DesktopMfaSeatEntity>();
    public DbSet<DesktopMfaOfflineEventEntity> DesktopMfaOfflineEvents => Set<DesktopMfaOfflineEventEntity>();
    public DbSet<AppGroupEntity> AppGroups => Set<AppGroupEntity>();
    public DbSet<ApiTokenEntity> ApiTokens => Set<ApiTokenEntity>();
    public DbSet<PolicyEntity> Policies => Set<PolicyEntity>();
    public DbSet<PolicyRuleEntity> PolicyRules => Set<PolicyRuleEntity>();
    public DbSet<LogEventEntity> LogEvents => Set<LogEventEntity>();
    public DbSet<LogChainHeadEntity> LogChainHeads => Set<LogChainHeadEntity>();
    public DbSet<LogCheckpointEntity> LogCheckpoints => Set<LogCheckpointEntity>();
    public DbSet<RateLimitCounterEntity> RateLimitCounters => Set<RateLimitCounterEntity>();
    public DbSet<SignInTransactionEntity> SignInTransactions => Set<SignInTransactionEntity>();
    public DbSet<OrgSigningKeyEntity> OrgSigningKeys => Set<OrgSigningKeyEntity>();
    public DbSet<SessionEntity> Sessions => Set<SessionEntity>();
    public DbSet<RoleAssignmentEntity> RoleAssignments => Set<RoleAssignmentEntity>();
    public DbSet<AuthenticatorEntity> Authenticators => Set<AuthenticatorEntity>();
    public DbSet<UserFactorEntity> UserFactors => Set<UserFactorEntity>();
    public DbSet<DeviceEntity> Devices => Set<DeviceEntity>();
    public DbSet<DeviceUserEntity> DeviceUsers => Set<DeviceUserEntity>();
    public DbSet<DeviceEnrollmentEntity> DeviceEnrollments => Set<DeviceEnrollmentEntity>();
    public DbSet<PushChallengeEntity> PushChallenges => Set<PushChallengeEntity>();
    public DbSet<WebAuthnCredentialEntity> WebAuthnCredentials => Set<WebAuthnCredentialEntity>();
    public DbSet<WebAuthnChallengeEntity> WebAuthnChallenges => Set<WebAuthnChallengeEntity>();
    public DbSet<WebAuthnAaguidEntity> WebAuthnAaguids => Set<WebAuthnAaguidEntity>();
    public DbSet<DeviceIntegrationEntity> DeviceIntegrations => Set<DeviceIntegrationEntity>();
    public DbSet<DeviceCertificateEntity> DeviceCertificates => Set<DeviceCertificateEntity>();
    public DbSet<NetworkZoneEntity> NetworkZones => Set<NetworkZoneEntity>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UnixMillisecondsConverter>();
        configurationBuilder.Properties<string>().AreUnicode();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<OrgEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
        });

        modelBuilder.Entity<UserEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.Property(x => x.OrgId).HasMaxLength(20);
            e.Property(x => x.Status).HasMaxLength(20);
            e.Property(x => x.Login).HasMaxLength(100);
            e.Property(x => x.LoginKey).HasMaxLength(100);
            // Few indexes on purpose: each one is another page written per user created. Lists walk an org's
            // users in id order (ids are time-ordered, so this index only ever appends); logins are unique.
            e.HasIndex(x => new { x.OrgId, x.LoginKey }).IsUnique();
            e.HasIndex(x => new { x.OrgId, x.Id });
            e.Property(x => x.Version).IsConcurrencyToken();
        });

        modelBuilder.Entity<GroupEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.HasIndex(x => new { x.OrgId, x.Id });
            e.HasIndex(x => new { x.OrgId, x.NameKey });
            e.HasIndex(x => new { x.OrgId, x.Type });
        });

        modelBuilder.Entity<GroupMemberEntity>(e =>
        {
            e.HasKey(x => new { x.GroupId, x.UserId });
            e.HasIndex(x => x.UserId);
        });

        modelBuilder.Entity<AppEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.HasIndex(x => new { x.OrgId, x.Id });
            e.HasIndex(x => new { x.OrgId, x.LabelKey });
            e.HasIndex(x => x.AccessPolicyId); // the apps bound to a policy (listed, and checked before it is deleted)
        });

        modelBuilder.Entity<AppClientEntity>(e =>
        {
            e.HasKey(x => x.AppId);
            e.Property(x => x.AppId).HasMaxLength(20);
            e.Property(x => x.OrgId).HasMaxLength(20);
            e.Property(x => x.SecretHash).HasMaxLength(64);
        });

        modelBuilder.Entity<DesktopMfaEnrollmentEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.Property(x => x.OrgId).HasMaxLength(20);
            e.Property(x => x.AppId).HasMaxLength(20);
            e.Property(x => x.UserId).HasMaxLength(20);
            e.Property(x => x.ComputerName).HasMaxLength(255);
            e.Property(x => x.SerialNumber).HasMaxLength(255);
            e.Property(x => x.Platform).HasMaxLength(20);
            e.Property(x => x.Status).HasMaxLength(20);
            e.Property(x => x.ComputerId).HasMaxLength(20);
            e.Property(x => x.ComputerPublicKey).HasMaxLength(512);
            e.HasIndex(x => new { x.UserId, x.Status });
            e.HasIndex(x => x.ComputerId);
        });

        modelBuilder.Entity<DesktopMfaComputerEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.Property(x => x.OrgId).HasMaxLength(20);
            e.Property(x => x.AppId).HasMaxLength(20);
            e.Property(x => x.AgentId).HasMaxLength(64);
            e.Property(x => x.Name).HasMaxLength(255);
            e.Property(x => x.SerialNumber).HasMaxLength(255);
            e.Property(x => x.Platform).HasMaxLength(20);
            e.Property(x => x.PublicKey).HasMaxLength(512);
            e.HasIndex(x => new { x.OrgId, x.AgentId }).IsUnique();
        });

        modelBuilder.Entity<DesktopMfaSeatEntity>(e =>
        {
            e.HasKey(x => new { x.ComputerId, x.UserId });
            e.Property(x => x.ComputerId).HasMaxLength(20);
            e.Property(x => x.UserId).HasMaxLength(20);
            e.Property(x => x.OrgId).HasMaxLength(20);
            e.HasIndex(x => x.OrgId);
        });

        modelBuilder.Entity<DesktopMfaOfflineEventEntity>(e =>
        {
            e.HasKey(x => new { x.ComputerId, x.EventId });
            e.Property(x => x.ComputerId).HasMaxLength(20);
            e.Property(x => x.EventId).HasMaxLength(64);
        });

        modelBuilder.Entity<AppUserEntity>(e =>
        {
            e.HasKey(x => new { x.AppId, x.UserId });
            e.HasIndex(x => x.UserId);
        });

        modelBuilder.Entity<AppGroupEntity>(e =>
        {
            e.HasKey(x => new { x.AppId, x.GroupId });
            e.HasIndex(x => x.GroupId);
        });

        modelBuilder.Entity<ApiTokenEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.HasIndex(x => x.TokenHash).IsUnique();
            e.HasIndex(x => new { x.OrgId, x.Id });
        });

        modelBuilder.Entity<PolicyEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.HasIndex(x => new { x.OrgId, x.Type, x.Priority });
        });

        modelBuilder.Entity<PolicyRuleEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.HasIndex(x => new { x.PolicyId, x.Priority });
            e.HasIndex(x => x.OrgId);
        });

        modelBuilder.Entity<LogEventEntity>(e =>
        {
            e.HasKey(x => new { x.OrgId, x.Sequence });
            e.Property(x => x.Sequence).ValueGeneratedNever();
            e.HasIndex(x => new { x.OrgId, x.Published, x.Sequence });
        });

        modelBuilder.Entity<LogChainHeadEntity>(e => e.HasKey(x => x.OrgId));
        modelBuilder.Entity<LogCheckpointEntity>(e =>
        {
            e.HasKey(x => new { x.OrgId, x.Sequence });
            e.Property(x => x.Sequence).ValueGeneratedNever();
            e.Property(x => x.OrgId).HasMaxLength(20);
            e.Property(x => x.Hash).HasMaxLength(64);
            e.Property(x => x.KeyId).HasMaxLength(64);
            e.Property(x => x.Signature).HasMaxLength(200);
        });
        modelBuilder.Entity<RateLimitCounterEntity>(e => e.HasKey(x => new { x.Scope, x.Bucket }));

        modelBuilder.Entity<SignInTransactionEntity>(e =>
        {
            e.HasKey(x => x.HandleHash);
            e.Property(x => x.HandleHash).HasMaxLength(64);
            e.Property(x => x.Step).HasMaxLength(32);
            e.Property(x => x.Identifier).HasMaxLength(256);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.Property(x => x.Assurance).HasMaxLength(100);
            e.Property(x => x.FactorId).HasMaxLength(20);
            e.Property(x => x.ChallengeId).HasMaxLength(100);
            e.Property(x => x.Enrolling).HasMaxLength(20);
            e.HasIndex(x => x.ExpiresAt);
            e.Property(x => x.DeviceChallengeId).HasMaxLength(20);
            e.Property(x => x.DeviceChallengeNonceHash).HasMaxLength(64);
            e.Property(x => x.DeviceChallengeIntegrations).HasMaxLength(500);
            e.Property(x => x.DeviceChallengeAnsweredBy).HasMaxLength(20);
            e.Property(x => x.DeviceChallengeKeyType).HasMaxLength(20);
            e.HasIndex(x => x.DeviceChallengeId).IsUnique();
        });

        modelBuilder.Entity<OrgSigningKeyEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(64);
            e.Property(x => x.OrgId).HasMaxLength(20);
            e.Property(x => x.Algorithm).HasMaxLength(10);
            e.HasIndex(x => new { x.OrgId, x.Algorithm }).IsUnique();
        });

        modelBuilder.Entity<SessionEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.Property(x => x.CookieHash).HasMaxLength(64);
            e.Property(x => x.DeviceId).HasMaxLength(20);
            e.HasIndex(x => x.CookieHash).IsUnique();
            e.HasIndex(x => new { x.OrgId, x.UserId });
            e.HasIndex(x => x.ExpiresAt);
        });

        modelBuilder.Entity<RoleAssignmentEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.Property(x => x.AssigneeType).HasMaxLength(5);
            e.Property(x => x.AssigneeId).HasMaxLength(20);
            e.Property(x => x.Type).HasMaxLength(40);
            e.HasIndex(x => new { x.OrgId, x.AssigneeType, x.AssigneeId, x.Type }).IsUnique();
        });

        modelBuilder.Entity<AuthenticatorEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.Property(x => x.Key).HasMaxLength(40);
            e.HasIndex(x => new { x.OrgId, x.Key }).IsUnique();
        });

        modelBuilder.Entity<UserFactorEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.Property(x => x.UserId).HasMaxLength(20);
            e.Property(x => x.FactorType).HasMaxLength(40);
            e.Property(x => x.Provider).HasMaxLength(20);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.HasIndex(x => new { x.OrgId, x.UserId });
            e.Property(x => x.EnrollmentId).HasMaxLength(20);
            e.HasIndex(x => x.EnrollmentId);
        });

        modelBuilder.Entity<DeviceEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.Property(x => x.Status).HasMaxLength(20);
            e.Property(x => x.ClientInstanceId).HasMaxLength(100);
            e.Property(x => x.DisplayName).HasMaxLength(255);
            e.Property(x => x.Platform).HasMaxLength(20);
            e.Property(x => x.SerialNumber).HasMaxLength(255);
            e.HasIndex(x => new { x.OrgId, x.ClientInstanceId }).IsUnique();
        });

        modelBuilder.Entity<DeviceUserEntity>(e =>
        {
            e.HasKey(x => new { x.DeviceId, x.UserId });
            e.Property(x => x.DeviceId).HasMaxLength(20);
            e.Property(x => x.UserId).HasMaxLength(20);
            e.Property(x => x.ManagementStatus).HasMaxLength(20);
            e.Property(x => x.ScreenLockType).HasMaxLength(20);
            e.Property(x => x.ManagementRefusalKind).HasMaxLength(40);
            e.Property(x => x.ManagementRefusal).HasMaxLength(1000);
            e.Property(x => x.ManagedByIntegrationId).HasMaxLength(20);
            e.HasIndex(x => new { x.OrgId, x.UserId });
        });

        modelBuilder.Entity<DeviceEnrollmentEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.Property(x => x.UserId).HasMaxLength(20);
            e.Property(x => x.DeviceId).HasMaxLength(20);
            e.Property(x => x.ProofKeyId).HasMaxLength(64);
            e.HasIndex(x => new { x.DeviceId, x.UserId }).IsUnique();
            e.HasIndex(x => new { x.OrgId, x.UserId });
        });

        modelBuilder.Entity<PushChallengeEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.Property(x => x.UserId).HasMaxLength(20);
            e.Property(x => x.FactorId).HasMaxLength(20);
            e.Property(x => x.EnrollmentId).HasMaxLength(20);
            e.Property(x => x.Status).HasMaxLength(20);
            e.Property(x => x.Version).IsConcurrencyToken();
            e.HasIndex(x => new { x.EnrollmentId, x.Status });
        });

        modelBuilder.Entity<WebAuthnCredentialEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.Property(x => x.UserId).HasMaxLength(20);
            e.Property(x => x.CredentialId).HasMaxLength(1400);
            e.HasIndex(x => x.CredentialId).IsUnique();
            e.Property(x => x.Aaguid).HasMaxLength(36);
            e.Property(x => x.Attachment).HasMaxLength(20);
            e.Property(x => x.AttestationFormat).HasMaxLength(40);
            e.Property(x => x.Name).HasMaxLength(255);
            e.HasIndex(x => new { x.OrgId, x.UserId });
        });

        modelBuilder.Entity<WebAuthnChallengeEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(100);
            e.Property(x => x.UserId).HasMaxLength(20);
            e.Property(x => x.Purpose).HasMaxLength(20);
            e.Property(x => x.FactorId).HasMaxLength(20);
            e.HasIndex(x => x.ExpiresAt);
        });

        modelBuilder.Entity<WebAuthnAaguidEntity>(e =>
        {
            e.HasKey(x => new { x.OrgId, x.AuthenticatorId, x.Aaguid });
            e.Property(x => x.AuthenticatorId).HasMaxLength(20);
            e.Property(x => x.Aaguid).HasMaxLength(36);
            e.Property(x => x.Name).HasMaxLength(255);
        });

        modelBuilder.Entity<NetworkZoneEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.Property(x => x.OrgId).HasMaxLength(20);
            e.Property(x => x.Type).HasMaxLength(20);
            e.Property(x => x.Name).HasMaxLength(128);
            e.Property(x => x.Status).HasMaxLength(20);
            e.Property(x => x.Usage).HasMaxLength(20);
            // Lists walk an org's zones in id order; names are unique in an org.
            e.HasIndex(x => new { x.OrgId, x.Id });
            e.HasIndex(x => new { x.OrgId, x.Name }).IsUnique();
        });

        modelBuilder.Entity<DeviceIntegrationEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.Property(x => x.OrgId).HasMaxLength(20);
            e.Property(x => x.Name).HasMaxLength(255);
            e.Property(x => x.DisplayName).HasMaxLength(255);
            e.Property(x => x.Platform).HasMaxLength(20);
            e.Property(x => x.Type).HasMaxLength(40);
            e.Property(x => x.Status).HasMaxLength(20);
            e.HasIndex(x => new { x.OrgId, x.Platform });
        });

        modelBuilder.Entity<DeviceCertificateEntity>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Id).HasMaxLength(20);
            e.Property(x => x.OrgId).HasMaxLength(20);
            e.Property(x => x.IntegrationId).HasMaxLength(20);
            e.Property(x => x.SerialNumber).HasMaxLength(64);
            e.Property(x => x.Subject).HasMaxLength(1000);
            e.Property(x => x.Thumbprint).HasMaxLength(64);
            e.Property(x => x.Status).HasMaxLength(20);
            e.HasIndex(x => new { x.IntegrationId, x.SerialNumber }).IsUnique();
            e.HasIndex(x => new { x.OrgId, x.IntegrationId });
        });
    }

    private sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
        v => v.ToUnixTimeMilliseconds(),
        v => DateTimeOffset.FromUnixTimeMilliseconds(v));
}

public sealed class SqliteLatchkeyDbContext(DbContextOptions<SqliteLatchkeyDbContext> options) : LatchkeyDbContext(options);

public sealed class NpgsqlLatchkeyDbContext(DbContextOptions<NpgsqlLatchkeyDbContext> options) : LatchkeyDbContext(options);
