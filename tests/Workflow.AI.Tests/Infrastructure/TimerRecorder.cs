using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace Workflow.AI.Tests.Infrastructure;

/// <summary>The host's clock for provider tests: a <see cref="FakeTimeProvider"/> that also records the timers
/// created on it, so a test can wait until a retry delay or a timeout has been scheduled (and check its length)
/// before it moves the clock.</summary>
public sealed class TimerRecorder(FakeTimeProvider clock) : TimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _timers = new();

    public FakeTimeProvider Clock { get; } = clock;

    public override TimeZoneInfo LocalTimeZone => Clock.LocalTimeZone;

    public override long TimestampFrequency => Clock.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => Clock.GetUtcNow();

    public override long GetTimestamp() => Clock.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _timers.Enqueue(dueTime);
        return new RecordingTimer(Clock.CreateTimer(callback, state, dueTime, period), _timers);
    }

    /// <summary>Counts the timers set to fire <paramref name="dueTime"/> after they were set (when created or changed:
    /// a cancellation token source on a time provider creates its timer first and sets it after).</summary>
    public int CountTimers(TimeSpan dueTime) => _timers.Count(t => t == dueTime);

    private sealed class RecordingTimer(ITimer inner, ConcurrentQueue<TimeSpan> timers) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            timers.Enqueue(dueTime);
            return inner.Change(dueTime, period);
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
