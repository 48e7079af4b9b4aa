using System.Text.Json.Nodes;

namespace Workflow.Postgres.EventStore;

/// <summary>
/// Reads events of an old type as a newer type: every read path of the event store (streams, the global order,
/// subscriptions, projections and aggregates) hands the newer type to the application, while the stored events stay as
/// they were written. Upcasters chain: <c>v1 -&gt; v2</c> and <c>v2 -&gt; v3</c> read a <c>v1</c> event as <c>v3</c>.
/// </summary>
/// <example>
/// <code>
/// options.Upcasters.Add(new EventUpcaster("order.placed.v1", "order.placed.v2", data =>
/// {
///     data!["currency"] = "EUR";   // v1 orders were all in euros
///     return data;
/// }));
/// </code>
/// </example>
public sealed class EventUpcaster
{
    /// <summary>Initializes an upcaster.</summary>
    /// <param name="fromType">The old event type, for example <c>order.placed.v1</c>.</param>
    /// <param name="toType">The type the event is read as, for example <c>order.placed.v2</c>.</param>
    /// <param name="transform">Turns the old payload into the new one. It receives a fresh copy of the payload
    /// (<see langword="null"/> for an empty payload or JSON <c>null</c>), may change and return it, and must be a pure
    /// function of it: it runs on every read.</param>
    /// <exception cref="ArgumentException">A type is empty, or both are the same.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="transform"/> is <see langword="null"/>.</exception>
    public EventUpcaster(string fromType, string toType, Func<JsonNode?, JsonNode?> transform)
    {
        ArgumentException.ThrowIfNullOrEmpty(fromType);
        ArgumentException.ThrowIfNullOrEmpty(toType);
        ArgumentNullException.ThrowIfNull(transform);
        if (string.Equals(fromType, toType, StringComparison.Ordinal))
        {
            throw new ArgumentException($"An upcaster must change the event type; both are '{fromType}'.", nameof(toType));
        }

        FromType = fromType;
        ToType = toType;
        Transform = transform;
    }

    /// <summary>Gets the old event type.</summary>
    public string FromType { get; }

    /// <summary>Gets the type the event is read as.</summary>
    public string ToType { get; }

    /// <summary>Gets the transformation of the payload.</summary>
    public Func<JsonNode?, JsonNode?> Transform { get; }
}
