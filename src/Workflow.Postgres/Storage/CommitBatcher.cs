using Workflow.Storage;

namespace Workflow.Postgres.Storage;

/// <summary>
/// Group commit for one store: commits that arrive while the store's batches are all in flight wait together and go to
/// the database as one batch (one round trip, one transaction, one flush to disk), so a busy node pays one commit for
/// many instances' steps. A commit that arrives when a batch slot is free goes at once, alone: batching never adds
/// latency, it only uses the time a commit would otherwise spend queued behind others.
/// </summary>
/// <remarks>
/// Each commit in a batch is checked and applied on its own (a version conflict or a lost lease is its result and does
/// not touch the others). When PostgreSQL rejects a value of one commit, failing the whole batch, its commits are tried
/// again one by one, so each caller gets its own outcome; that is safe because appends are idempotent by event id. Any
/// other failure of a batch (the database gone after the store's retries) is every one of its commits' failure.
/// </remarks>
internal sealed class CommitBatcher
{
    /// <summary>Batches in flight at once: enough to keep the database's cores busy while others travel.</summary>
    internal const int MaxInFlight = 4;

    /// <summary>Commits per batch: bounds the locks one transaction holds and the size of one round trip.</summary>
    internal const int MaxBatch = 64;

    private readonly Func<WorkflowCommit, CancellationToken, ValueTask<CommitResult>> _commitOne;
    private readonly Func<IReadOnlyList<WorkflowCommit>, ArraySegment<CommitResult>, CancellationToken, ValueTask<int>> _commitBatch;
    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queue = new();
    private int _inFlight;
    private long _sharedBatches;

    /// <param name="commitOne">Applies one commit (with the store's retries and error translation).</param>
    /// <param name="commitBatch">Applies several commits in one transaction, writing each one's result.</param>
    public CommitBatcher(
        Func<WorkflowCommit, CancellationToken, ValueTask<CommitResult>> commitOne,
        Func<IReadOnlyList<WorkflowCommit>, ArraySegment<CommitResult>, CancellationToken, ValueTask<int>> commitBatch)
    {
        _commitOne = commitOne;
        _commitBatch = commitBatch;
    }

    /// <summary>Gets the number of batches of more than one commit sent so far (for tests).</summary>
    internal long SharedBatches => Interlocked.Read(ref _sharedBatches);

    /// <summary>Applies a commit, alone or with others that are waiting.</summary>
    /// <remarks>Cancelling the wait of a commit that is already on its way to the database leaves its outcome unknown,
    /// as with any commit cancelled in flight; one that has not left the queue is not sent.</remarks>
    public Task<CommitResult> CommitAsync(WorkflowCommit commit, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(commit);
        bool start;
        lock (_gate)
        {
            _queue.Enqueue(pending);
            start = _inFlight < MaxInFlight;
            if (start)
            {
                _inFlight++;
            }
        }

        if (start)
        {
            _ = PumpAsync();
        }

        if (!cancellationToken.CanBeCanceled)
        {
            return pending.Task;
        }

        return WaitAsync(pending, cancellationToken);
    }

    private static async Task<CommitResult> WaitAsync(Pending pending, CancellationToken cancellationToken)
    {
        try
        {
            return await pending.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Not sent yet: it never will be. Sent: its outcome is unknown to this caller, like any commit cut off.
            pending.TryCancel();
            throw;
        }
    }

    /// <summary>Sends what is queued, batch after batch, until the queue is empty; then gives its slot back.</summary>
    private async Task PumpAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (true)
        {
            batch.Clear();
            lock (_gate)
            {
                while (batch.Count < MaxBatch && _queue.TryDequeue(out var next))
                {
                    if (next.TryTake())
                    {
                        batch.Add(next);
                    }
                }

                if (batch.Count == 0)
                {
                    _inFlight--;
                    return;
                }
            }

            await SendAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task SendAsync(List<Pending> batch)
    {
        if (batch.Count == 1)
        {
            await SendAloneAsync(batch[0]).ConfigureAwait(false);
            return;
        }

        var commits = new WorkflowCommit[batch.Count];
        for (var i = 0; i < commits.Length; i++)
        {
            commits[i] = batch[i].Commit;
        }

        var results = new CommitResult[commits.Length];
        try
        {
            // Not cancellable: the callers' tokens are their own; a batch that started finishes.
            await _commitBatch(commits, new ArraySegment<CommitResult>(results), CancellationToken.None).ConfigureAwait(false);
        }
        catch (ArgumentException)
        {
            // One commit's bad value fails the whole transaction: each goes again alone and gets its own outcome.
            foreach (var pending in batch)
            {
                await SendAloneAsync(pending).ConfigureAwait(false);
            }

            return;
        }
        catch (Exception ex)
        {
            // The database is gone (after the store's retries) or refuses every commit alike: trying each one alone would
            // only make every caller wait through the same retries again, one after another.
            foreach (var pending in batch)
            {
                pending.Fail(ex);
            }

            return;
        }

        Interlocked.Increment(ref _sharedBatches);
        for (var i = 0; i < batch.Count; i++)
        {
            batch[i].Complete(results[i]);
        }
    }

    private async Task SendAloneAsync(Pending pending)
    {
        try
        {
            pending.Complete(await _commitOne(pending.Commit, CancellationToken.None).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            pending.Fail(ex);
        }
    }

    private sealed class Pending(WorkflowCommit commit) : TaskCompletionSource<CommitResult>(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        private const int Queued = 0;
        private const int Taken = 1;
        private const int Canceled = 2;
        private int _state;

        public WorkflowCommit Commit { get; } = commit;

        /// <summary>Takes the commit for sending, unless its caller gave up on it first.</summary>
        public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;

        public void TryCancel() => Interlocked.CompareExchange(ref _state, Canceled, Queued);

        public void Complete(CommitResult result) => TrySetResult(result);

        public void Fail(Exception exception) => TrySetException(exception);
    }
}
