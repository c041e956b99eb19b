using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Latchkey.Server.Persistence.Migrations.Sqlite
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
            migrationBuilder.AddColumn<string>(
                name: "Enrolling",
                table: "SignInTransactions",
                type: "TEXT",
                maxLength: 20,
                nullable: true);
            migrationBuilder.AddColumn<string>(
                name: "OptionsJson",
                table: "WebAuthnChallenges",
                type: "TEXT",
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
        }
    }
}
