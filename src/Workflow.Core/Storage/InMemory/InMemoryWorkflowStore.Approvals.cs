using System.Globalization;
using Workflow.Client;

namespace Workflow.Storage.InMemory;

public sealed partial class InMemoryWorkflowStore
{
    private readonly Dictionary<(string InstanceId, string StepPath), PendingApproval> _approvals = [];

    /// <inheritdoc />
    public ValueTask<PendingApprovalPage> QueryPendingApprovalsAsync(PendingApprovalQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var after = ParseApprovalToken(query.ContinuationToken);
        List<PendingApproval> matches;
        lock (_gate)
        {
            matches = [.. _approvals.Values.Where(a =>
                (query.WorkflowName is null || string.Equals(a.WorkflowName, query.WorkflowName, StringComparison.Ordinal))
                && (after is null || CompareOldestFirst(a, after.Value) > 0))];
        }

        matches.Sort(static (a, b) => CompareOldestFirst(a, (b.RequestedAt, b.InstanceId, b.StepPath)));
        string? token = null;
        if (matches.Count > query.PageSize)
        {
            matches.RemoveRange(query.PageSize, matches.Count - query.PageSize);
            var last = matches[^1];
            token = string.Create(CultureInfo.InvariantCulture, $"{last.RequestedAt.UtcTicks}:{last.InstanceId.Length}:{last.InstanceId}{last.StepPath}");
        }

        return new(new PendingApprovalPage(matches, token));
    }

    private void OpenApprovals(IReadOnlyList<PendingApproval> approvals)
    {
        for (var i = 0; i < approvals.Count; i++)
        {
            _approvals[(approvals[i].InstanceId, approvals[i].StepPath)] = approvals[i];
        }
    }

    /// <summary>Removes an instance's approvals at <paramref name="paths"/>, or all of them when it is <see langword="null"/>.</summary>
    private void CloseApprovals(string instanceId, IReadOnlyList<string>? paths)
    {
        if (paths is not null)
        {
            for (var i = 0; i < paths.Count; i++)
            {
                _approvals.Remove((instanceId, paths[i]));
            }

            return;
        }

        if (_approvals.Count == 0)
        {
            return;
        }

        foreach (var key in _approvals.Keys.Where(k => string.Equals(k.InstanceId, instanceId, StringComparison.Ordinal)).ToList())
        {
            _approvals.Remove(key);
        }
    }

    private static int CompareOldestFirst(PendingApproval approval, (DateTimeOffset RequestedAt, string InstanceId, string StepPath) other)
    {
        var byTime = approval.RequestedAt.UtcTicks.CompareTo(other.RequestedAt.UtcTicks);
        if (byTime != 0)
        {
            return byTime;
        }

        var byInstance = string.CompareOrdinal(approval.InstanceId, other.InstanceId);
        return byInstance != 0 ? byInstance : string.CompareOrdinal(approval.StepPath, other.StepPath);
    }

    private static (DateTimeOffset RequestedAt, string InstanceId, string StepPath)? ParseApprovalToken(string? token)
    {
        if (token is null)
        {
            return null;
        }

        var first = token.IndexOf(':', StringComparison.Ordinal);
        var second = first < 0 ? -1 : token.IndexOf(':', first + 1);
        if (second < 0
            || !long.TryParse(token.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks
            || !int.TryParse(token.AsSpan(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var idLength)
            || second + 1 + idLength >= token.Length)
        {
            throw new ArgumentException(
                "The continuation token is not one this store issued. Pass the token of the previous page unchanged, or null for the first page.",
                nameof(token));
        }

        return (new DateTimeOffset(ticks, TimeSpan.Zero), token.Substring(second + 1, idLength), token[(second + 1 + idLength)..]);
    }
}
