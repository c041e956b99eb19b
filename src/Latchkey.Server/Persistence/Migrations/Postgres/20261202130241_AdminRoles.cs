using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Server.Persistence.Migrations.Postgres
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
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "RoleAssignments",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    OrgId = table.Column<string>(type: "text", nullable: false),
                    AssigneeType = table.Column<string>(type: "character varying(5)", maxLength: 5, nullable: false),
                    AssigneeId = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Type = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    Created = table.Column<long>(type: "bigint", nullable: false),
                    LastUpdated = table.Column<long>(type: "bigint", nullable: false)
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
                SELECT 'irb' || substr(md5(random()::text || t."UserId"), 1, 17), t."OrgId", 'USER', t."UserId", 'SUPER_ADMIN',
                       (extract(epoch from now()) * 1000)::bigint, (extract(epoch from now()) * 1000)::bigint
                FROM (SELECT "OrgId", "Id" AS "UserId" FROM "Users" WHERE "IsSuperAdmin") t;
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
