namespace Workflow.Postgres.EventStore;

/// <summary>The state of an event-sourced aggregate, folded from its stream, and the version it was folded up to: the
/// expected version of the next append. Returned by <see cref="AggregateRepository{TState}"/>.</summary>
/// <typeparam name="TState">The state's type.</typeparam>
public sealed class Aggregate<TState>
{
    internal Aggregate(string streamId, TState state, long version)
    {
        StreamId = streamId;
        State = state;
        Version = version;
    }

    /// <summary>Gets the aggregate's stream.</summary>
    public string StreamId { get; }

    /// <summary>Gets the state folded from the stream's events up to <see cref="Version"/>.</summary>
    public TState State { get; }

    /// <summary>Gets the version of the last event folded into the state; 0 for a stream without events.</summary>
    public long Version { get; }
}
