using System.Globalization;
using Spectre.Console;

namespace Latchkey.Verify.Cli;

/// <summary>
/// Questions to the person: Spectre.Console prompts on a terminal (the password as secret input); when standard
/// input is not a terminal, the question is printed as a plain line and the answer is the next line of standard
/// input (DESIGN.md settled conventions), so scripts can answer. Input that ends before an answer is a refusal,
/// never a default answer.
/// </summary>
public sealed class Prompter(CliEnvironment environment, IAnsiConsole console)
{
    public string Secret(string question) => environment.InputIsTerminal
        ? console.Prompt(new TextPrompt<string>(Markup.Escape(question)).Secret())
        : ReadLine(question);

    /// <summary>A whole number (the push's number challenge).</summary>
    public int Number(string question)
    {
        if (environment.InputIsTerminal)
        {
            return console.Prompt(new TextPrompt<int>(Markup.Escape(question)));
        }

        var text = ReadLine(question).Trim();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            ? number
            : throw new VerifyException(ExitCodes.Usage, $"'{text}' is not a number (answer to \"{question}\")");
    }

    /// <summary>Yes or no: y/yes/approve or n/no/deny when read from standard input.</summary>
    public bool YesNo(string question)
    {
        if (environment.InputIsTerminal)
        {
            return console.Prompt(new ConfirmationPrompt(Markup.Escape(question)) { DefaultValue = false });
        }

        var text = ReadLine($"{question} [y/n]").Trim().ToLowerInvariant();
        return text switch
        {
            "y" or "yes" or "approve" => true,
            "n" or "no" or "deny" => false,
            _ => throw new VerifyException(ExitCodes.Usage, $"'{text}' is neither yes nor no (answer to \"{question}\")"),
        };
    }

    private string ReadLine(string question)
    {
        environment.Out.WriteLine(question);
        environment.Out.Flush();
        var line = environment.In.ReadLine() ?? throw new VerifyException(ExitCodes.Failure, $"standard input ended before an answer to \"{question}\"");
        return line.TrimEnd('\r');
    }
}
