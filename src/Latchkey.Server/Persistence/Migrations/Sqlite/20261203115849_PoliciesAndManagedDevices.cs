using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class PoliciesAndManagedDevices : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "DeviceChallengeAnsweredBy",
                table: "SignInTransactions",
                type: "TEXT",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "DeviceChallengeExpiresAt",
                table: "SignInTransactions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeviceChallengeId",
                table: "SignInTransactions",
                type: "TEXT",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeviceChallengeIntegrations",
                table: "SignInTransactions",
                type: "TEXT",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeviceChallengeKeyType",
                table: "SignInTransactions",
                type: "TEXT",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeviceChallengeNonceHash",
                table: "SignInTransactions",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeviceId",
                table: "Sessions",
                type: "TEXT",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "FactorsJson",
                table: "Sessions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ConditionsJson",
                table: "Policies",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "LastFastPassAt",
                table: "DeviceUsers",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ManagedByIntegrationId",
                table: "DeviceUsers",
                type: "TEXT",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ManagedSince",
                table: "DeviceUsers",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ManagementCheckedAt",
                table: "DeviceUsers",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ManagementRefusal",
                table: "DeviceUsers",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ManagementRefusalKind",
                table: "DeviceUsers",
                type: "TEXT",
                maxLength: 40,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DeviceCertificates",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    OrgId = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    IntegrationId = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    SerialNumber = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Subject = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                    Thumbprint = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    NotBefore = table.Column<long>(type: "INTEGER", nullable: false),
                    NotAfter = table.Column<long>(type: "INTEGER", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    RevokedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    Der = table.Column<byte[]>(type: "BLOB", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DeviceCertificates", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DeviceIntegrations",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    OrgId = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    DisplayName = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    Platform = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    CaCertificatePem = table.Column<string>(type: "TEXT", nullable: false),
                    SealedCaPrivateKey = table.Column<string>(type: "TEXT", nullable: false),
                    CaImported = table.Column<bool>(type: "INTEGER", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    LastUpdated = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DeviceIntegrations", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "NetworkZones",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    OrgId = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Usage = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    System = table.Column<bool>(type: "INTEGER", nullable: false),
                    DetailsJson = table.Column<string>(type: "TEXT", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    LastUpdated = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_NetworkZones", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "OrgSigningKeys",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    OrgId = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Algorithm = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    PublicJwk = table.Column<string>(type: "TEXT", nullable: false),
                    SealedPrivateKey = table.Column<string>(type: "TEXT", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrgSigningKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "PolicyRules",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    OrgId = table.Column<string>(type: "TEXT", nullable: false),
                    PolicyId = table.Column<string>(type: "TEXT", nullable: false),
                    Type = table.Column<string>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", nullable: false),
                    Priority = table.Column<int>(type: "INTEGER", nullable: false),
                    IsSystem = table.Column<bool>(type: "INTEGER", nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    LastUpdated = table.Column<long>(type: "INTEGER", nullable: false),
                    ConditionsJson = table.Column<string>(type: "TEXT", nullable: true),
                    ActionsJson = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_PolicyRules", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SignInTransactions_DeviceChallengeId",
                table: "SignInTransactions",
                column: "DeviceChallengeId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Apps_AccessPolicyId",
                table: "Apps",
                column: "AccessPolicyId");

            migrationBuilder.CreateIndex(
                name: "IX_DeviceCertificates_IntegrationId_SerialNumber",
                table: "DeviceCertificates",
                columns: new[] { "IntegrationId", "SerialNumber" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DeviceCertificates_OrgId_IntegrationId",
                table: "DeviceCertificates",
                columns: new[] { "OrgId", "IntegrationId" });

            migrationBuilder.CreateIndex(
                name: "IX_DeviceIntegrations_OrgId_Platform",
                table: "DeviceIntegrations",
                columns: new[] { "OrgId", "Platform" });

            migrationBuilder.CreateIndex(
                name: "IX_NetworkZones_OrgId_Id",
                table: "NetworkZones",
                columns: new[] { "OrgId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_NetworkZones_OrgId_Name",
                table: "NetworkZones",
                columns: new[] { "OrgId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_OrgSigningKeys_OrgId_Algorithm",
                table: "OrgSigningKeys",
                columns: new[] { "OrgId", "Algorithm" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_PolicyRules_OrgId",
                table: "PolicyRules",
                column: "OrgId");

            migrationBuilder.CreateIndex(
                name: "IX_PolicyRules_PolicyId_Priority",
                table: "PolicyRules",
                columns: new[] { "PolicyId", "Priority" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DeviceCertificates");

            migrationBuilder.DropTable(
                name: "DeviceIntegrations");

            migrationBuilder.DropTable(
                name: "NetworkZones");

            migrationBuilder.DropTable(
                name: "OrgSigningKeys");

            migrationBuilder.DropTable(
                name: "PolicyRules");

            migrationBuilder.DropIndex(
                name: "IX_SignInTransactions_DeviceChallengeId",
                table: "SignInTransactions");

            migrationBuilder.DropIndex(
                name: "IX_Apps_AccessPolicyId",
                table: "Apps");

            migrationBuilder.DropColumn(
                name: "DeviceChallengeAnsweredBy",
                table: "SignInTransactions");

            migrationBuilder.DropColumn(
                name: "DeviceChallengeExpiresAt",
                table: "SignInTransactions");

            migrationBuilder.DropColumn(
                name: "DeviceChallengeId",
                table: "SignInTransactions");

            migrationBuilder.DropColumn(
                name: "DeviceChallengeIntegrations",
                table: "SignInTransactions");

            migrationBuilder.DropColumn(
                name: "DeviceChallengeKeyType",
                table: "SignInTransactions");

            migrationBuilder.DropColumn(
                name: "DeviceChallengeNonceHash",
                table: "SignInTransactions");

            migrationBuilder.DropColumn(
                name: "DeviceId",
                table: "Sessions");

            migrationBuilder.DropColumn(
                name: "FactorsJson",
                table: "Sessions");

            migrationBuilder.DropColumn(
                name: "ConditionsJson",
                table: "Policies");

            migrationBuilder.DropColumn(
                name: "LastFastPassAt",
                table: "DeviceUsers");

            migrationBuilder.DropColumn(
                name: "ManagedByIntegrationId",
                table: "DeviceUsers");

            migrationBuilder.DropColumn(
                name: "ManagedSince",
                table: "DeviceUsers");

            migrationBuilder.DropColumn(
                name: "ManagementCheckedAt",
                table: "DeviceUsers");

            migrationBuilder.DropColumn(
                name: "ManagementRefusal",
                table: "DeviceUsers");

            migrationBuilder.DropColumn(
                name: "ManagementRefusalKind",
                table: "DeviceUsers");
        }
    }
}
