using System.Buffers;
using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workflow.Postgres.EventStore;

/// <summary>The upcasters of one store, checked once (one upcaster per old type, no cycles) and applied on every read.</summary>
internal sealed class EventUpcasting
{
    private readonly FrozenDictionary<string, EventUpcaster> _byFromType;

    private EventUpcasting(FrozenDictionary<string, EventUpcaster> byFromType) => _byFromType = byFromType;

    public static EventUpcasting None { get; } = new(FrozenDictionary<string, EventUpcaster>.Empty);

    public bool IsEmpty => _byFromType.Count == 0;

    /// <summary>Returns what is wrong with <paramref name="upcasters"/>, or an empty list.</summary>
    public static List<string> Validate(IList<EventUpcaster>? upcasters)
    {
        var failures = new List<string>();
        if (upcasters is null)
        {
            failures.Add("Upcasters is null; leave the list empty when no event type needs upcasting.");
            return failures;
        }

        var byFromType = new Dictionary<string, EventUpcaster>(StringComparer.Ordinal);
        foreach (var upcaster in upcasters)
        {
            if (upcaster is null)
            {
                failures.Add("Upcasters holds a null entry.");
            }
            else if (!byFromType.TryAdd(upcaster.FromType, upcaster))
            {
                failures.Add($"Upcasters holds two upcasters from '{upcaster.FromType}' (to '{byFromType[upcaster.FromType].ToType}' and to '{upcaster.ToType}'); an old type can be read as one newer type only.");
            }
        }

        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in byFromType.Keys)
        {
            var seen = new List<string> { start };
            var type = start;
            while (byFromType.TryGetValue(type, out var next))
            {
                type = next.ToType;
                if (seen.Contains(type, StringComparer.Ordinal))
                {
                    if (reported.Add(type))
                    {
                        failures.Add($"Upcasters form a cycle: {string.Join(" -> ", seen)} -> {type}; each chain must end at a type that is not upcast.");
                    }

                    break;
                }

                seen.Add(type);
            }
        }

        return failures;
    }

    /// <summary>Builds the upcasting of a validated list.</summary>
    public static EventUpcasting Create(IList<EventUpcaster> upcasters) =>
        upcasters.Count == 0 ? None : new EventUpcasting(upcasters.ToFrozenDictionary(u => u.FromType, StringComparer.Ordinal));

    /// <summary>Returns <paramref name="stored"/> read as its newest type (the same instance when no upcaster applies).</summary>
    /// <exception cref="InvalidOperationException">An upcaster threw; the message names the event and the types.</exception>
    public StoredEvent Apply(StoredEvent stored)
    {
        if (IsEmpty || !_byFromType.ContainsKey(stored.Type))
        {
            return stored;
        }

        var type = stored.Type;
        JsonNode? data;
        try
        {
            data = stored.Data.IsEmpty ? null : JsonNode.Parse(stored.Data.Span);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException(
                $"Event {stored.EventId} (version {stored.Version} of stream '{stored.StreamId}', type '{type}') does not hold JSON, so it cannot be upcast: {ex.Message}", ex);
        }

        while (_byFromType.TryGetValue(type, out var upcaster))
        {
            try
            {
                data = upcaster.Transform(data);
            }
            catch (Exception ex)
            {
                throw new InvalidOperationException(
                    $"The upcaster from '{upcaster.FromType}' to '{upcaster.ToType}' failed on event {stored.EventId} (version {stored.Version} of stream '{stored.StreamId}'): {ex.Message}", ex);
            }

            type = upcaster.ToType;
        }

        var bytes = ReadOnlyMemory<byte>.Empty;
        if (data is not null)
        {
            var buffer = new ArrayBufferWriter<byte>(stored.Data.Length + 64);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                data.WriteTo(writer);
            }

            bytes = buffer.WrittenMemory;
        }

        return new StoredEvent(stored.StreamId, stored.Version, stored.Position, stored.EventId, type, bytes, stored.Metadata, stored.Timestamp);
    }
}
