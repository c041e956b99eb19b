using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DesktopMfa : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "SettingsJson",
                table: "Orgs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "AppClients",
                columns: table => new
                {
                    AppId = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    OrgId = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    SecretHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SealedSecret = table.Column<string>(type: "TEXT", nullable: false),
                    SecretCreated = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AppClients", x => x.AppId);
                });

            migrationBuilder.CreateTable(
                name: "DesktopMfaEnrollments",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    OrgId = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    AppId = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    ComputerName = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    SerialNumber = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    Platform = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    SealedSecret = table.Column<string>(type: "TEXT", nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Activated = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DesktopMfaEnrollments", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DesktopMfaEnrollments_UserId_Status",
                table: "DesktopMfaEnrollments",
                columns: new[] { "UserId", "Status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AppClients");

            migrationBuilder.DropTable(
                name: "DesktopMfaEnrollments");

            migrationBuilder.DropColumn(
                name: "SettingsJson",
                table: "Orgs");
        }
    }
}
