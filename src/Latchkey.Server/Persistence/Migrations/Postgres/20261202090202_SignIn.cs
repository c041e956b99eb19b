using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SignIn : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "FailedPasswordAttempts",
                table: "Users",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "SettingsJson",
                table: "Policies",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "Sessions",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    OrgId = table.Column<string>(type: "text", nullable: false),
                    UserId = table.Column<string>(type: "text", nullable: false),
                    CookieHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Created = table.Column<long>(type: "bigint", nullable: false),
                    LastActivity = table.Column<long>(type: "bigint", nullable: false),
                    LastPasswordVerification = table.Column<long>(type: "bigint", nullable: false),
                    IdleMinutes = table.Column<int>(type: "integer", nullable: false),
                    MaxExpiresAt = table.Column<long>(type: "bigint", nullable: false),
                    ExpiresAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Sessions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SignInTransactions",
                columns: table => new
                {
                    HandleHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    OrgId = table.Column<string>(type: "text", nullable: false),
                    Step = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Identifier = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    UserId = table.Column<string>(type: "text", nullable: true),
                    Created = table.Column<long>(type: "bigint", nullable: false),
                    ExpiresAt = table.Column<long>(type: "bigint", nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SignInTransactions", x => x.HandleHash);
                });

            migrationBuilder.CreateIndex(
                name: "IX_Sessions_CookieHash",
                table: "Sessions",
                column: "CookieHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Sessions_ExpiresAt",
                table: "Sessions",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_Sessions_OrgId_UserId",
                table: "Sessions",
                columns: new[] { "OrgId", "UserId" });

            migrationBuilder.CreateIndex(
                name: "IX_SignInTransactions_ExpiresAt",
                table: "SignInTransactions",
                column: "ExpiresAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "Sessions");

            migrationBuilder.DropTable(
                name: "SignInTransactions");

            migrationBuilder.DropColumn(
                name: "FailedPasswordAttempts",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "SettingsJson",
                table: "Policies");
        }
    }
}
