using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DesktopMfaComputers : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "DevicesForgottenAt",
                table: "Users",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ComputerId",
                table: "DesktopMfaEnrollments",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ComputerPublicKey",
                table: "DesktopMfaEnrollments",
                type: "character varying(512)",
                maxLength: 512,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DesktopMfaComputers",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    OrgId = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    AppId = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    AgentId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    SerialNumber = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    Platform = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    PublicKey = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    Created = table.Column<long>(type: "bigint", nullable: false),
                    LastSeen = table.Column<long>(type: "bigint", nullable: false),
                    LastSync = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DesktopMfaComputers", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DesktopMfaOfflineEvents",
                columns: table => new
                {
                    ComputerId = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    EventId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Received = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DesktopMfaOfflineEvents", x => new { x.ComputerId, x.EventId });
                });

            migrationBuilder.CreateTable(
                name: "DesktopMfaSeats",
                columns: table => new
                {
                    ComputerId = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    UserId = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    OrgId = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    FirstSeen = table.Column<long>(type: "bigint", nullable: false),
                    LastOnlineSignIn = table.Column<long>(type: "bigint", nullable: true),
                    LastOfflineSignIn = table.Column<long>(type: "bigint", nullable: true),
                    OfflineSecurityKeys = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DesktopMfaSeats", x => new { x.ComputerId, x.UserId });
                });

            migrationBuilder.CreateIndex(
                name: "IX_DesktopMfaEnrollments_ComputerId",
                table: "DesktopMfaEnrollments",
                column: "ComputerId");

            migrationBuilder.CreateIndex(
                name: "IX_DesktopMfaComputers_OrgId_AgentId",
                table: "DesktopMfaComputers",
                columns: new[] { "OrgId", "AgentId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DesktopMfaSeats_OrgId",
                table: "DesktopMfaSeats",
                column: "OrgId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DesktopMfaComputers");

            migrationBuilder.DropTable(
                name: "DesktopMfaOfflineEvents");

            migrationBuilder.DropTable(
                name: "DesktopMfaSeats");

            migrationBuilder.DropIndex(
                name: "IX_DesktopMfaEnrollments_ComputerId",
                table: "DesktopMfaEnrollments");

            migrationBuilder.DropColumn(
                name: "DevicesForgottenAt",
                table: "Users");

            migrationBuilder.DropColumn(
                name: "ComputerId",
                table: "DesktopMfaEnrollments");

            migrationBuilder.DropColumn(
                name: "ComputerPublicKey",
                table: "DesktopMfaEnrollments");
        }
    }
}
