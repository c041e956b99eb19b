using System.Text;
using System.Text.Json.Nodes;
using Latchkey.Core.Filtering;
using Xunit;

namespace Latchkey.Core.Tests.Filtering;

/// <summary>Seeded random inputs: the parser only ever throws FilterException, and what it accepts evaluates and round-trips.</summary>
public sealed class FilterRobustnessTests
{
    private static readonly FilterGrammar Roomy = FilterGrammar.Unrestricted.WithMaxLength(int.MaxValue);

    private static readonly JsonNode Document = JsonNode.Parse("""
        { "a": "x", "b": 1, "c": [ { "d": true }, { "d": null } ], "e": "2024-01-01T00:00:00Z" }
        """)!;

    private const string Punctuation = "()\"\\ .-+e0123";
    private const string StringCharacters = "ab \"\\/()\t\n+é";

    private static readonly string[] Fragments =
    [
        "a", "b.c", "c.d", "e", "profile.lastName", "eq", "NE", "gt", "ge", "lt", "le", "sw", "co", "ew", "pr", "Pr",
        "and", "OR", "not", "(", ")", "((", "))", "\"", "\"x\"", "\"\\\"\"", "\\", "\\u", "\\u00", "1", "-2.5", "1e3", "01",
        "true", "false", "null", " ", "  ", "\t", "+", ".", "..", "$", "_", "'", "é", "\u0000", "\ud800",
    ];

    private static readonly string[] ValidFilters =
    [
        "status eq \"ACTIVE\" and (profile.lastName sw \"Lo\" or not (profile.age gt 30))",
        "target.id eq \"00u1\" or eventType co \"session\" and outcome.result ne \"FAILURE\"",
        "lastUpdated ge \"2024-01-01T00:00:00.000Z\" and profile.nick eq \"a \\\"b\\\" \\u00e9\"",
        "a pr and b eq null and c eq true and d le -1.5e2",
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Random_characters_never_cause_anything_but_a_filter_exception(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 5_000; i++)
        {
            var text = new StringBuilder();
            var length = random.Next(0, 40);
            for (var j = 0; j < length; j++)
            {
                text.Append(random.Next(4) switch
                {
                    0 => (char)random.Next(0, 0x10000),
                    1 => Punctuation[random.Next(Punctuation.Length)],
                    _ => (char)random.Next(0x20, 0x7F),
                });
            }

            ParseAndExercise(text.ToString());
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void Random_token_soup_never_causes_anything_but_a_filter_exception(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 5_000; i++)
        {
            var text = new StringBuilder();
            var count = random.Next(0, 16);
            for (var j = 0; j < count; j++)
            {
                text.Append(Fragments[random.Next(Fragments.Length)]);
                if (random.Next(3) > 0)
                {
                    text.Append(' ');
                }
            }

            ParseAndExercise(text.ToString());
        }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    public void Mutated_valid_filters_never_cause_anything_but_a_filter_exception(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 5_000; i++)
        {
            var text = new StringBuilder(ValidFilters[random.Next(ValidFilters.Length)]);
            var edits = random.Next(1, 4);
            for (var j = 0; j < edits && text.Length > 0; j++)
            {
                var at = random.Next(text.Length);
                switch (random.Next(3))
                {
                    case 0:
                        text.Remove(at, 1);
                        break;
                    case 1:
                        text.Insert(at, Fragments[random.Next(Fragments.Length)]);
                        break;
                    default:
                        text[at] = (char)random.Next(0x20, 0x7F);
                        break;
                }
            }

            ParseAndExercise(text.ToString());
        }
    }

    [Theory]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(11)]
    public void Random_trees_render_to_text_that_parses_back_to_the_same_tree(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < 2_000; i++)
        {
            var tree = RandomTree(random, depth: 5);
            var text = tree.ToString();

            var parsed = FilterParser.Parse(text, Roomy);

            Assert.Equal(tree, parsed);
        }
    }

    private static void ParseAndExercise(string text)
    {
        FilterNode parsed;
        try
        {
            parsed = FilterParser.Parse(text, FilterGrammar.Unrestricted);
        }
        catch (FilterException error)
        {
            Assert.False(string.IsNullOrWhiteSpace(error.Message));
            return;
        }

        // Whatever parses also evaluates and renders back to an equivalent filter.
        JsonFilterEvaluator.Matches(parsed, Document, StringComparison.Ordinal);
        JsonFilterEvaluator.Matches(parsed, Document, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(parsed, FilterParser.Parse(parsed.ToString(), Roomy));
    }

    private static FilterNode RandomTree(Random random, int depth)
    {
        var pick = depth == 0 ? 0 : random.Next(6);
        return pick switch
        {
            1 => new AndNode(RandomTree(random, depth - 1), RandomTree(random, depth - 1)),
            2 => new OrNode(RandomTree(random, depth - 1), RandomTree(random, depth - 1)),
            3 => new NotNode(RandomTree(random, depth - 1)),
            _ => RandomComparison(random),
        };
    }

    private static ComparisonNode RandomComparison(Random random)
    {
        var op = (FilterOperator)random.Next((int)FilterOperator.Pr + 1);
        FilterValue? value = op switch
        {
            FilterOperator.Pr => null,
            FilterOperator.Sw or FilterOperator.Co or FilterOperator.Ew => RandomString(random),
            FilterOperator.Gt or FilterOperator.Ge or FilterOperator.Lt or FilterOperator.Le =>
                random.Next(2) == 0 ? RandomString(random) : RandomNumber(random),
            _ => random.Next(5) switch
            {
                0 => RandomString(random),
                1 => RandomNumber(random),
                2 => FilterValue.True,
                3 => FilterValue.False,
                _ => FilterValue.Null,
            },
        };
        return new ComparisonNode(RandomAttribute(random), op, value);
    }

    private static string RandomAttribute(Random random)
    {
        const string first = "abcxyzABCXYZ_$";
        const string rest = "abcxyzABCXYZ_$0189";
        var name = new StringBuilder();
        var segments = random.Next(1, 4);
        for (var s = 0; s < segments; s++)
        {
            if (s > 0)
            {
                name.Append('.');
            }

            name.Append((s == 0 ? first : rest)[random.Next(s == 0 ? first.Length : rest.Length)]);
            for (var n = random.Next(0, 6); n > 0; n--)
            {
                name.Append(rest[random.Next(rest.Length)]);
            }
        }

        var text = name.ToString();
        return text.ToLowerInvariant() is "and" or "or" or "not" ? text + "_" : text;
    }

    private static FilterValue RandomString(Random random)
    {
        var text = new StringBuilder();
        for (var n = random.Next(0, 12); n > 0; n--)
        {
            text.Append(random.Next(3) == 0 ? (char)random.Next(0, 0x10000) : StringCharacters[random.Next(StringCharacters.Length)]);
        }

        return FilterValue.FromString(text.ToString());
    }

    private static FilterValue RandomNumber(Random random) =>
        FilterValue.FromNumber(new decimal(random.Next(), random.Next(), random.Next(), random.Next(2) == 0, (byte)random.Next(29)));
}
