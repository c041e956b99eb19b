using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class WebAuthn : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "WebAuthnAaguids",
                columns: table => new
                {
                    OrgId = table.Column<string>(type: "text", nullable: false),
                    AuthenticatorId = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Aaguid = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false),
                    Name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    CharacteristicsJson = table.Column<string>(type: "text", nullable: true),
                    RootCertificatesJson = table.Column<string>(type: "text", nullable: true),
                    Created = table.Column<long>(type: "bigint", nullable: false),
                    LastUpdated = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WebAuthnAaguids", x => new { x.OrgId, x.AuthenticatorId, x.Aaguid });
                });

            migrationBuilder.CreateTable(
                name: "WebAuthnChallenges",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    OrgId = table.Column<string>(type: "text", nullable: false),
                    UserId = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Purpose = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    FactorId = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    StateJson = table.Column<string>(type: "text", nullable: false),
                    Created = table.Column<long>(type: "bigint", nullable: false),
                    ExpiresAt = table.Column<long>(type: "bigint", nullable: false),
                    UsedAt = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WebAuthnChallenges", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "WebAuthnCredentials",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    OrgId = table.Column<string>(type: "text", nullable: false),
                    UserId = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    CredentialId = table.Column<string>(type: "character varying(1400)", maxLength: 1400, nullable: false),
                    PublicKey = table.Column<byte[]>(type: "bytea", nullable: false),
                    Aaguid = table.Column<string>(type: "character varying(36)", maxLength: 36, nullable: false),
                    Attachment = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    TransportsJson = table.Column<string>(type: "text", nullable: false),
                    AttestationFormat = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    SignCount = table.Column<long>(type: "bigint", nullable: false),
                    UserVerified = table.Column<bool>(type: "boolean", nullable: false),
                    BackupEligible = table.Column<bool>(type: "boolean", nullable: false),
                    BackedUp = table.Column<bool>(type: "boolean", nullable: false),
                    Name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    Created = table.Column<long>(type: "bigint", nullable: false),
                    LastUsed = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_WebAuthnCredentials", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_WebAuthnChallenges_ExpiresAt",
                table: "WebAuthnChallenges",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_WebAuthnCredentials_CredentialId",
                table: "WebAuthnCredentials",
                column: "CredentialId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_WebAuthnCredentials_OrgId_UserId",
                table: "WebAuthnCredentials",
                columns: new[] { "OrgId", "UserId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "WebAuthnAaguids");

            migrationBuilder.DropTable(
                name: "WebAuthnChallenges");

            migrationBuilder.DropTable(
                name: "WebAuthnCredentials");
        }
    }
}
