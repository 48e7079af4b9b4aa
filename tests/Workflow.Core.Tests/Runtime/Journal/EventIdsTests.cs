using Workflow.Internal;
using Xunit;

namespace Workflow.Tests.Runtime.Journal;

public sealed class EventIdsTests
{
    private static readonly DateTimeOffset At = new(2026, 3, 4, 5, 6, 7, 891, TimeSpan.Zero);

    [Fact]
    public void NewVersion7_LaysOutTheTimestampVersionAndVariantAsRfc9562()
    {
        var id = EventIds.NewVersion7(At);

        Assert.Equal(7, id.Version);
        Assert.Equal(0b10, id.Variant >> 2);

        // The first 48 bits are the Unix time in milliseconds, as Guid.CreateVersion7 writes them.
        var reference = Guid.CreateVersion7(At);
        Assert.Equal(reference.ToString()[..13], id.ToString()[..13]);
    }

    [Fact]
    public void NewVersion7_SameMillisecond_IdsAreDistinctAndLaterMillisecondsSortAfter()
    {
        var ids = Enumerable.Range(0, 100_000).Select(_ => EventIds.NewVersion7(At)).ToHashSet();
        var later = EventIds.NewVersion7(At.AddMilliseconds(1));

        Assert.Equal(100_000, ids.Count);
        Assert.All(ids, id => Assert.True(id.CompareTo(later) < 0, $"{id} sorts after {later}"));
    }

    [Fact]
    public void NewVersion7_BeforeTheUnixEpoch_Throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => EventIds.NewVersion7(DateTimeOffset.UnixEpoch.AddMilliseconds(-1)));

        Assert.Equal("timestamp", error.ParamName);
    }
}
