using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class FastPass : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "DeviceChallengeAnsweredBy",
                table: "SignInTransactions",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "DeviceChallengeExpiresAt",
                table: "SignInTransactions",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeviceChallengeId",
                table: "SignInTransactions",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeviceChallengeIntegrations",
                table: "SignInTransactions",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeviceChallengeKeyType",
                table: "SignInTransactions",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "DeviceChallengeNonceHash",
                table: "SignInTransactions",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "OrgSigningKeys",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OrgId = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Algorithm = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    PublicJwk = table.Column<string>(type: "text", nullable: false),
                    SealedPrivateKey = table.Column<string>(type: "text", nullable: false),
                    Created = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_OrgSigningKeys", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SignInTransactions_DeviceChallengeId",
                table: "SignInTransactions",
                column: "DeviceChallengeId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_OrgSigningKeys_OrgId_Algorithm",
                table: "OrgSigningKeys",
                columns: new[] { "OrgId", "Algorithm" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "OrgSigningKeys");

            migrationBuilder.DropIndex(
                name: "IX_SignInTransactions_DeviceChallengeId",
                table: "SignInTransactions");

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
        }
    }
}
