using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Server.Persistence.Migrations.Postgres
{
    /// <summary>
    /// The second-factor steps of a sign-in: a challenge id long enough for a WebAuthn challenge, the authenticator being
    /// enrolled at the step, and the options given with a WebAuthn challenge (shown again while it waits).
    /// </summary>
    public partial class SignInEnrollment : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "ChallengeId",
                table: "SignInTransactions",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(20)",
                oldMaxLength: 20,
                oldNullable: true);
            migrationBuilder.AddColumn<string>(
                name: "Enrolling",
                table: "SignInTransactions",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true);
            migrationBuilder.AddColumn<string>(
                name: "OptionsJson",
                table: "WebAuthnChallenges",
                type: "text",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "OptionsJson",
                table: "WebAuthnChallenges");
            migrationBuilder.DropColumn(
                name: "Enrolling",
                table: "SignInTransactions");
            migrationBuilder.AlterColumn<string>(
                name: "ChallengeId",
                table: "SignInTransactions",
                type: "character varying(20)",
                maxLength: 20,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "character varying(100)",
                oldMaxLength: 100,
                oldNullable: true);
        }
    }
}
