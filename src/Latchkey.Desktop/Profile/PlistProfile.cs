using System.Globalization;
using System.Xml;

namespace Latchkey.Desktop.Profile;

/// <summary>
/// The XML property list form (Apple's plist 1.0, as MDM deploys it for the preference domain): a top-level
/// <c>&lt;dict&gt;</c> of <c>&lt;key&gt;</c> and value pairs. The reader never processes a DTD: the standard
/// <c>&lt;!DOCTYPE plist ...&gt;</c> line is skipped, no entity is expanded and nothing external is fetched, so an
/// entity reference (the way to an XXE attack) is refused as an error.
/// </summary>
internal static class PlistProfile
{
    public static Dictionary<string, ProfileValue> Read(string text, string source)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Ignore,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = true,
            MaxCharactersInDocument = ProfileReader.MaximumBytes,
        };
        try
        {
            using var reader = XmlReader.Create(new StringReader(text), settings);
            reader.MoveToContent();
            if (reader.NodeType != XmlNodeType.Element || reader.Name != "plist")
            {
                throw ProfileReader.Error(source, $"the XML is not a property list (its root is <{reader.Name}>, not <plist>)");
            }

            reader.Read();
            if (reader.NodeType != XmlNodeType.Element || reader.Name != "dict")
            {
                throw ProfileReader.Error(source, "the property list does not hold a <dict> of keys");
            }

            return Dictionary(reader, source);
        }
        catch (XmlException e)
        {
            throw ProfileReader.Error(source, $"not a valid XML property list ({e.Message})");
        }
    }

    /// <summary>Reads a &lt;dict&gt; the reader is on, leaving it after its end.</summary>
    private static Dictionary<string, ProfileValue> Dictionary(XmlReader reader, string source)
    {
        var values = new Dictionary<string, ProfileValue>(StringComparer.Ordinal);
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return values;
        }

        reader.Read();
        while (reader.NodeType != XmlNodeType.EndElement)
        {
            if (reader.NodeType != XmlNodeType.Element || reader.Name != "key")
            {
                throw ProfileReader.Error(source, $"expected a <key> in the <dict>, found {Describe(reader)}");
            }

            var key = reader.ReadElementContentAsString();
            if (reader.NodeType != XmlNodeType.Element)
            {
                throw ProfileReader.Error(source, $"{key}: has no value after its <key>");
            }

            if (!values.TryAdd(key, Value(reader, source)))
            {
                throw ProfileReader.Error(source, $"{key}: given twice");
            }
        }

        reader.Read();
        return values;
    }

    /// <summary>Reads the value element the reader is on, leaving it after the element.</summary>
    private static ProfileValue Value(XmlReader reader, string source)
    {
        switch (reader.Name)
        {
            case "string":
                return new ProfileValue.Text(reader.ReadElementContentAsString());
            case "integer":
                var integer = reader.ReadElementContentAsString().Trim();
                return long.TryParse(integer, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole)
                    ? new ProfileValue.Integer(whole)
                    : new ProfileValue.Other($"an <integer> that is not a whole number (\"{ProfileReader.Shown(integer)}\")");
            case "real":
                var real = reader.ReadElementContentAsString().Trim();
                return double.TryParse(real, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                    ? new ProfileValue.Real(number)
                    : new ProfileValue.Other($"a <real> that is not a number (\"{ProfileReader.Shown(real)}\")");
            case "true" or "false":
                var flag = reader.Name == "true";
                reader.Skip();
                return new ProfileValue.Boolean(flag);
            case "array":
                var items = new List<ProfileValue>();
                if (reader.IsEmptyElement)
                {
                    reader.Read();
                    return new ProfileValue.List(items);
                }

                reader.Read();
                while (reader.NodeType != XmlNodeType.EndElement)
                {
                    items.Add(Value(reader, source));
                }

                reader.Read();
                return new ProfileValue.List(items);
            case "dict":
                Dictionary(reader, source);
                return new ProfileValue.Other("a <dict>");
            case "date" or "data":
                var kind = reader.Name;
                reader.Skip();
                return new ProfileValue.Other($"<{kind}>");
            default:
                throw ProfileReader.Error(source, $"unknown property list element {Describe(reader)}");
        }
    }

    private static string Describe(XmlReader reader) => reader.NodeType switch
    {
        XmlNodeType.Element => $"<{reader.Name}>",
        XmlNodeType.Text => "text",
        _ => reader.NodeType.ToString(),
    };
}
