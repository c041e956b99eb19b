using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Server.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DeviceIntegrations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "LastFastPassAt",
                table: "DeviceUsers",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ManagedByIntegrationId",
                table: "DeviceUsers",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ManagedSince",
                table: "DeviceUsers",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "ManagementCheckedAt",
                table: "DeviceUsers",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ManagementRefusal",
                table: "DeviceUsers",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "ManagementRefusalKind",
                table: "DeviceUsers",
                type: "character varying(40)",
                maxLength: 40,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DeviceCertificates",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    OrgId = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    IntegrationId = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    SerialNumber = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Subject = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    Thumbprint = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    NotBefore = table.Column<long>(type: "bigint", nullable: false),
                    NotAfter = table.Column<long>(type: "bigint", nullable: false),
                    Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    RevokedAt = table.Column<long>(type: "bigint", nullable: true),
                    Der = table.Column<byte[]>(type: "bytea", nullable: false),
                    Created = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DeviceCertificates", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "DeviceIntegrations",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    OrgId = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    DisplayName = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    Platform = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Type = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    CaCertificatePem = table.Column<string>(type: "text", nullable: false),
                    SealedCaPrivateKey = table.Column<string>(type: "text", nullable: false),
                    CaImported = table.Column<bool>(type: "boolean", nullable: false),
                    Created = table.Column<long>(type: "bigint", nullable: false),
                    LastUpdated = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DeviceIntegrations", x => x.Id);
                });

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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DeviceCertificates");

            migrationBuilder.DropTable(
                name: "DeviceIntegrations");

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
