using System.Text.Json;
using Workflow.Client;
using Workflow.Storage;
using Xunit;

namespace Workflow.Store.Compliance;

public abstract partial class WorkflowStoreCompliance<TFixture>
{
    private static readonly DateTimeOffset RequestedBase = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public virtual async Task Approvals_OpenedWithTheirCommit_AreQueriedOldestFirstAndClosed()
    {
        var store = await Fixture.CreateStoreAsync();
        var name = "approvals-" + Guid.NewGuid().ToString("N")[..8];
        var (first, second) = (NewId(), NewId());
        await store.CommitAsync(Opening(first, name, ExpectedVersion.NoStream, Approval(first, name, "refund", minutes: 2), Approval(first, name, "ship", minutes: 0)), Token);
        await store.CommitAsync(Opening(second, name, ExpectedVersion.NoStream, Approval(second, name, "refund", minutes: 1)), Token);
        var other = NewId();
        await store.CommitAsync(Opening(other, name + "-other", ExpectedVersion.NoStream, Approval(other, name + "-other", "x", minutes: 0)), Token);

        var all = await store.QueryPendingApprovalsAsync(new PendingApprovalQuery { WorkflowName = name }, Token);
        await store.CommitAsync(new WorkflowCommit { InstanceId = first, ExpectedVersion = ExpectedVersion.Exactly(1), Events = Events(1), ClosedApprovals = ["ship"] }, Token);
        var afterAnswer = await store.QueryPendingApprovalsAsync(new PendingApprovalQuery { WorkflowName = name }, Token);

        Assert.Equal([(first, "ship"), (second, "refund"), (first, "refund")], all.Approvals.Select(a => (a.InstanceId, a.StepPath)));
        Assert.Null(all.ContinuationToken);
        var refund = all.Approvals[2];
        Assert.Equal(name, refund.WorkflowName);
        Assert.Equal(42, refund.Request.GetProperty("amount").GetInt32());
        Assert.Equal(RequestedBase.AddMinutes(2), refund.RequestedAt);
        Assert.Equal(RequestedBase.AddMinutes(2).AddHours(1), refund.Deadline);
        Assert.Equal([(second, "refund"), (first, "refund")], afterAnswer.Approvals.Select(a => (a.InstanceId, a.StepPath)));
    }

    [Fact]
    public virtual async Task Approvals_InstanceEnds_ItsApprovalsLeaveTheIndex()
    {
        var store = await Fixture.CreateStoreAsync();
        var name = "approvals-" + Guid.NewGuid().ToString("N")[..8];
        var (ending, staying) = (NewId(), NewId());
        await store.CommitAsync(Opening(ending, name, ExpectedVersion.NoStream, Approval(ending, name, "a", 0), Approval(ending, name, "b", 1)), Token);
        await store.CommitAsync(Opening(staying, name, ExpectedVersion.NoStream, Approval(staying, name, "a", 2)), Token);

        await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = ending,
            ExpectedVersion = ExpectedVersion.Exactly(1),
            Events = Events(1),
            Instance = Info(ending, name, WorkflowStatus.Canceled, Fixture.Now),
        }, Token);

        var page = await store.QueryPendingApprovalsAsync(new PendingApprovalQuery { WorkflowName = name }, Token);
        Assert.Equal([staying], page.Approvals.Select(a => a.InstanceId));
    }

    [Fact]
    public virtual async Task Approvals_RejectedCommit_OpensAndClosesNothing()
    {
        var store = await Fixture.CreateStoreAsync();
        var name = "approvals-" + Guid.NewGuid().ToString("N")[..8];
        var id = NewId();
        await store.CommitAsync(Opening(id, name, ExpectedVersion.NoStream, Approval(id, name, "kept", 0)), Token);

        var stale = await store.CommitAsync(new WorkflowCommit
        {
            InstanceId = id,
            ExpectedVersion = ExpectedVersion.Exactly(9),
            Events = Events(1),
            OpenApprovals = [Approval(id, name, "new", 1)],
            ClosedApprovals = ["kept"],
        }, Token);

        Assert.Equal(CommitStatus.VersionConflict, stale.Status);
        var page = await store.QueryPendingApprovalsAsync(new PendingApprovalQuery { WorkflowName = name }, Token);
        Assert.Equal(["kept"], page.Approvals.Select(a => a.StepPath));
    }

    [Fact]
    public virtual async Task Approvals_PagedOneAtATime_ComeWithoutGapsOrDuplicates()
    {
        var store = await Fixture.CreateStoreAsync();
        var name = "approvals-" + Guid.NewGuid().ToString("N")[..8];
        var expected = new List<(string, string)>();
        for (var i = 0; i < 5; i++)
        {
            var id = NewId();
            // Two share each request time: ties are broken by instance id, then path.
            await store.CommitAsync(Opening(id, name, ExpectedVersion.NoStream, Approval(id, name, "p1", i / 2), Approval(id, name, "p2", i / 2)), Token);
            expected.Add((id, "p1"));
            expected.Add((id, "p2"));
        }

        var seen = new List<(string, string)>();
        string? token = null;
        for (var pages = 0; pages < 20; pages++)
        {
            var page = await store.QueryPendingApprovalsAsync(new PendingApprovalQuery { WorkflowName = name, PageSize = 3, ContinuationToken = token }, Token);
            seen.AddRange(page.Approvals.Select(a => (a.InstanceId, a.StepPath)));
            token = page.ContinuationToken;
            if (token is null)
            {
                break;
            }
        }

        var ordered = expected
            .OrderBy(e => expected.IndexOf(e) / 4)
            .ThenBy(e => e.Item1, StringComparer.Ordinal)
            .ThenBy(e => e.Item2, StringComparer.Ordinal);
        Assert.Equal(ordered, seen);
    }

    [Fact]
    public virtual async Task Approvals_ForeignContinuationToken_IsRejected()
    {
        var store = await Fixture.CreateStoreAsync();

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await store.QueryPendingApprovalsAsync(new PendingApprovalQuery { ContinuationToken = "not-a-token" }, Token));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
            await store.QueryPendingApprovalsAsync(new PendingApprovalQuery { PageSize = 0 }, Token));
    }

    [Fact]
    public virtual async Task Approvals_OfAnotherInstance_AreRefusedAndNothingIsWritten()
    {
        var store = await Fixture.CreateStoreAsync();
        var id = NewId();

        var error = await Assert.ThrowsAsync<ArgumentException>(async () => await store.CommitAsync(
            Opening(id, "approvals", ExpectedVersion.NoStream, Approval(NewId(), "approvals", "p", 0)), Token));

        Assert.Contains("opens an approval of", error.Message, StringComparison.Ordinal);
        Assert.Empty(await ReadAllAsync(store, id));
    }

    private static WorkflowCommit Opening(string id, string name, ExpectedVersion expected, params PendingApproval[] approvals) => new()
    {
        InstanceId = id,
        ExpectedVersion = expected,
        Events = Events(1),
        Instance = Info(id, name, WorkflowStatus.Running, RequestedBase),
        OpenApprovals = approvals,
    };

    private static PendingApproval Approval(string id, string name, string path, int minutes)
    {
        using var request = JsonDocument.Parse("""{"amount":42}""");
        var at = RequestedBase.AddMinutes(minutes);
        return new PendingApproval(id, name, path, request.RootElement.Clone(), at, at.AddHours(1));
    }
}
