using System.Text;
using System.Text.Json;
using Latchkey.Core.Time;

namespace Latchkey.Core.Security;

/// <summary>
/// The values a stored event's indexed columns must repeat from its hashed JSON. The API filters and orders
/// on those columns, so an edit of a column alone (leaving the hashed JSON intact) would hide or move an
/// event in query results without breaking a hash; the verifier compares them.
/// </summary>
internal static class LogEventColumns
{
    /// <summary>The first column of <paramref name="row"/> that disagrees with its JSON, or null.</summary>
    public static string? FirstDifference(LogChainRow row)
    {
        string? uuid = null, published = null, eventType = null, actorId = null, outcome = null;
        try
        {
            var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(row.Json));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "the event is not a JSON object";
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("uuid"u8)) { uuid = ReadString(ref reader); }
                else if (reader.ValueTextEquals("published"u8)) { published = ReadString(ref reader); }
                else if (reader.ValueTextEquals("eventType"u8)) { eventType = ReadString(ref reader); }
                else if (reader.ValueTextEquals("actor"u8)) { actorId = ReadMember(ref reader, "id"u8); }
                else if (reader.ValueTextEquals("outcome"u8)) { outcome = ReadMember(ref reader, "result"u8); }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return "the event is not valid JSON";
        }

        if (!string.Equals(uuid, row.Uuid, StringComparison.Ordinal))
        {
            return $"the uuid column says {row.Uuid}, the hashed event {uuid ?? "(none)"}";
        }

        if (!IsoTime.TryParse(published, out var time) || time.ToUnixTimeMilliseconds() != row.Published.ToUnixTimeMilliseconds())
        {
            return $"the published column says {IsoTime.Write(row.Published)}, the hashed event {published ?? "(none)"}";
        }

        if (!string.Equals(eventType, row.EventType, StringComparison.Ordinal))
        {
            return $"the eventType column says {row.EventType}, the hashed event {eventType ?? "(none)"}";
        }

        if (!string.Equals(actorId, row.ActorId, StringComparison.Ordinal))
        {
            return $"the actor id column says {row.ActorId}, the hashed event {actorId ?? "(none)"}";
        }

        return string.Equals(outcome, row.OutcomeResult, StringComparison.Ordinal)
            ? null
            : $"the outcome column says {row.OutcomeResult}, the hashed event {outcome ?? "(none)"}";
    }

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    /// <summary>Reads one string member of the object that follows, skipping the rest of it.</summary>
    private static string? ReadMember(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        string? value = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name))
            {
                value = ReadString(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return value;
    }
}
