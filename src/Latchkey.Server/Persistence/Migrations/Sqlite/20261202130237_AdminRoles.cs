using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Server.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AdminRoles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "AdminAccessed",
                table: "Sessions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "RoleAssignments",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    OrgId = table.Column<string>(type: "TEXT", nullable: false),
                    AssigneeType = table.Column<string>(type: "TEXT", maxLength: 5, nullable: false),
                    AssigneeId = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Created = table.Column<long>(type: "INTEGER", nullable: false),
                    LastUpdated = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RoleAssignments", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_RoleAssignments_OrgId_AssigneeType_AssigneeId_Type",
                table: "RoleAssignments",
                columns: new[] { "OrgId", "AssigneeType", "AssigneeId", "Type" },
                unique: true);

            // Before roles existed the org's first admin (and every API token, all theirs) acted as a super admin: they keep
            // that role, so an upgraded org's admin is not locked out of the API and the console.
            migrationBuilder.Sql("""
                INSERT INTO "RoleAssignments" ("Id", "OrgId", "AssigneeType", "AssigneeId", "Type", "Created", "LastUpdated")
                SELECT 'irb' || substr(hex(randomblob(9)), 1, 17), "OrgId", 'USER', "UserId", 'SUPER_ADMIN',
                       CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
                FROM (SELECT "OrgId", "Id" AS "UserId" FROM "Users" WHERE "IsSuperAdmin");
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "RoleAssignments");

            migrationBuilder.DropColumn(
                name: "AdminAccessed",
                table: "Sessions");
        }
    }
}
