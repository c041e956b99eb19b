namespace Latchkey.Desktop.Profile;

/// <summary>
/// One value of a profile as read from JSON or from a property list, before validation: the reader of each format
/// turns its own types into these, so one validator serves both.
/// </summary>
public abstract record ProfileValue
{
    /// <summary>What the value is, for messages ("a string", "a whole number").</summary>
    public abstract string Kind { get; }

    public sealed record Text(string Value) : ProfileValue
    {
        public override string Kind => "a string";
    }

    public sealed record Integer(long Value) : ProfileValue
    {
        public override string Kind => "a whole number";
    }

    public sealed record Real(double Value) : ProfileValue
    {
        public override string Kind => "a number with a fraction";
    }

    public sealed record Boolean(bool Value) : ProfileValue
    {
        public override string Kind => "true or false";
    }

    public sealed record List(IReadOnlyList<ProfileValue> Items) : ProfileValue
    {
        public override string Kind => "a list";
    }

    /// <summary>A dictionary, a date, data or null: nothing a key of the profile takes.</summary>
    public sealed record Other(string Description) : ProfileValue
    {
        public override string Kind => Description;
    }
}
