using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Workflow.Postgres.Internal;
using Workflow.Postgres.Schema;

namespace Workflow.Postgres.Storage;

/// <summary>
/// Wakes stream watches (and watches of every stream: global subscriptions) when events are appended: at once for appends through this store, and through
/// <c>LISTEN</c>/<c>NOTIFY</c> on the schema's channel for appends by other stores (other nodes). Notifications are sent
/// after the commit, outside the write transaction, and debounced: at most one <c>pg_notify</c> round trip per interval,
/// naming every stream appended to meanwhile. They are a hint; watches poll as the guarantee.
/// </summary>
internal sealed class StreamNotifications : IAsyncDisposable, IDisposable
{
    // pg_notify refuses payloads of 8000 bytes or more.
    private const int MaxPayloadBytes = 7900;

    // More than this many payloads in one interval: tell every watcher to read instead.
    private const int MaxPayloadsPerSend = 8;

    // More streams than this waiting for a notification (the database is slow or down): announce "all" instead.
    private const int MaxPendingStreams = 4096;

    // An idle listener checks its connection this often, so a silently dropped one is noticed.
    private static readonly TimeSpan ListenerKeepAlive = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MaxListenerRetryDelay = TimeSpan.FromSeconds(10);

    private readonly NpgsqlDataSource _dataSource;
    private readonly StoreSql _sql;
    private readonly bool _enabled;
    private readonly TimeSpan _debounce;
    private readonly TimeProvider _pollClock;
    private readonly ILogger _logger;
    private readonly string _origin = Guid.NewGuid().ToString("N");
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<StreamWatcher>> _watchers = new(StringComparer.Ordinal);
    private readonly List<StreamWatcher> _allStreamsWatchers = [];
    private readonly Channel<bool> _sendSignal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stopping = new();
    private HashSet<string> _pending = new(StringComparer.Ordinal);
    private bool _pendingAll;
    private bool _pendingWork;
    private int _workWaiters;
    private bool _workMissed;
    private TaskCompletionSource _workSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _sender;
    private Task? _listener;
    private int _received;
    private bool _disposed;

    /// <param name="dataSource">The data source to listen and notify through.</param>
    /// <param name="sql">The schema's statements.</param>
    /// <param name="enabled">Whether to listen and notify at all.</param>
    /// <param name="debounce">The shortest time between two notifications.</param>
    /// <param name="pollClock">The clock of the watches' poll interval (the host's, so tests can drive it). Debouncing and
    /// reconnecting run on the system clock, so a paused test clock never silences notifications.</param>
    /// <param name="logger">The store's logger.</param>
    public StreamNotifications(NpgsqlDataSource dataSource, StoreSql sql, bool enabled, TimeSpan debounce, TimeProvider pollClock, ILogger logger)
    {
        _dataSource = dataSource;
        _sql = sql;
        _enabled = enabled;
        _debounce = debounce;
        _pollClock = pollClock;
        _logger = logger;
    }

    /// <summary>Gets the channel this store listens and notifies on.</summary>
    internal string NotificationChannel => _sql.Schema.NotificationChannel;

    /// <summary>Completes once the listener has run <c>LISTEN</c> for the first time (tests wait for it).</summary>
    internal TaskCompletionSource Listening { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets how many notifications the listener has received (tests check who heard what).</summary>
    internal int Received => Volatile.Read(ref _received);

    /// <summary>Waits until work may have become runnable: scheduled through this store, announced by another store
    /// on the channel, or possibly missed while the listener was reconnecting. A signal that arrived while nobody was
    /// waiting (the dispatcher was claiming) is kept, and ends the next wait at once.</summary>
    public Task WaitForWorkAsync(CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            StartListenerLocked();
            if (_workMissed)
            {
                _workMissed = false;
                return Task.CompletedTask;
            }

            _workWaiters++;
            signal = _workSignal.Task;
        }

        return WaitForSignalAsync(signal, cancellationToken);
    }

    private async Task WaitForSignalAsync(Task signal, CancellationToken cancellationToken)
    {
        try
        {
            await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _workWaiters--;
            }
        }
    }

    /// <summary>Reports work this store made runnable now (after the commit): local waits end at once, and other
    /// stores on the channel learn of it with the next notification.</summary>
    public void WorkScheduled()
    {
        SignalWork();
        if (!_enabled)
        {
            return;
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _pendingWork = true;
            _sender ??= Task.Run(() => SendAsync(_stopping.Token), CancellationToken.None);
        }

        _sendSignal.Writer.TryWrite(true);
    }

    // Ends the current waits, or (with nobody waiting) the next one.
    private void SignalWork()
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            _workMissed = _workWaiters == 0;
            signal = _workSignal;
            _workSignal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        signal.TrySetResult();
    }

    private void StartListenerLocked()
    {
        if (_enabled && _listener is null)
        {
            _listener = Task.Run(() => ListenAsync(_stopping.Token), CancellationToken.None);
        }
    }

    /// <summary>Registers a watch of <paramref name="streamId"/>; dispose the watcher to end it.</summary>
    public StreamWatcher Watch(string streamId)
    {
        var watcher = new StreamWatcher(this, streamId);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_watchers.TryGetValue(streamId, out var list))
            {
                list = [];
                _watchers.Add(streamId, list);
            }

            list.Add(watcher);
            StartListenerLocked();
        }

        return watcher;
    }

    /// <summary>Registers a watch of every stream of the schema (a global subscription); dispose the watcher to end it.</summary>
    public StreamWatcher WatchAll()
    {
        var watcher = new StreamWatcher(this, null);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _allStreamsWatchers.Add(watcher);
            StartListenerLocked();
        }

        return watcher;
    }

    /// <summary>Reports events appended to <paramref name="streamId"/> by this store (after the commit).</summary>
    public void Appended(string streamId)
    {
        Wake(streamId);
        if (!_enabled)
        {
            return;
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (!_pendingAll && _pending.Add(streamId) && _pending.Count > MaxPendingStreams)
            {
                _pending.Clear();
                _pendingAll = true;
            }

            _sender ??= Task.Run(() => SendAsync(_stopping.Token), CancellationToken.None);
        }

        _sendSignal.Writer.TryWrite(true);
    }

    /// <summary>Stops the listener and the sender and waits until they have closed their connections.</summary>
    public async ValueTask DisposeAsync()
    {
        var loops = Stop();
        if (loops is null)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(loops).ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>Stops the listener and the sender without waiting for them.</summary>
    public void Dispose()
    {
        if (Stop() is not null)
        {
            _stopping.Cancel();
        }
    }

    private Task[]? Stop()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return null;
            }

            _disposed = true;
            return [_sender ?? Task.CompletedTask, _listener ?? Task.CompletedTask];
        }
    }

    private void Remove(StreamWatcher watcher)
    {
        lock (_gate)
        {
            if (watcher.StreamId is null)
            {
                _allStreamsWatchers.Remove(watcher);
            }
            else if (_watchers.TryGetValue(watcher.StreamId, out var list) && list.Remove(watcher) && list.Count == 0)
            {
                _watchers.Remove(watcher.StreamId);
            }
        }
    }

    private void Wake(string streamId)
    {
        lock (_gate)
        {
            if (_watchers.TryGetValue(streamId, out var list))
            {
                foreach (var watcher in list)
                {
                    watcher.Set();
                }
            }

            foreach (var watcher in _allStreamsWatchers)
            {
                watcher.Set();
            }
        }
    }

    private void WakeAll()
    {
        lock (_gate)
        {
            foreach (var list in _watchers.Values)
            {
                foreach (var watcher in list)
                {
                    watcher.Set();
                }
            }

            foreach (var watcher in _allStreamsWatchers)
            {
                watcher.Set();
            }
        }
    }

    private async Task SendAsync(CancellationToken stopping)
    {
        try
        {
            while (await _sendSignal.Reader.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                _sendSignal.Reader.TryRead(out _);
                HashSet<string> streams;
                bool all;
                bool work;
                lock (_gate)
                {
                    streams = _pending;
                    all = _pendingAll;
                    work = _pendingWork;
                    _pending = new HashSet<string>(StringComparer.Ordinal);
                    _pendingAll = false;
                    _pendingWork = false;
                }

                if (all || work || streams.Count > 0)
                {
                    try
                    {
                        // "All" tells other stores to read every stream and to claim: it covers work too.
                        string[] payloads = all ? [AllPayload()] : BuildPayloads(streams);
                        if (work && !all)
                        {
                            payloads = [.. payloads, WorkPayload()];
                        }

                        using var command = _dataSource.CreateCommand(_sql.Notify);
                        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _sql.Schema.NotificationChannel, NpgsqlDbType = NpgsqlDbType.Text });
                        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = payloads, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
                        await command.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!stopping.IsCancellationRequested)
                    {
                        Log.NotifyFailed(_logger, ex, _sql.Schema.NotificationChannel);
                    }
                }

                // The debounce: appends made during the pause go out together in the next round.
                await Task.Delay(_debounce, TimeProvider.System, stopping).ConfigureAwait(false);
            }
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private string[] BuildPayloads(HashSet<string> streams)
    {
        // The default encoder escapes everything outside ASCII, so a payload's length in characters is its size in bytes.
        var prefix = $$"""{"o":"{{_origin}}","s":[""";
        const string Suffix = "]}";
        var payloads = new List<string>();
        var current = new StringBuilder(prefix);
        var count = 0;
        foreach (var stream in streams)
        {
            var item = "\"" + JsonEncodedText.Encode(stream).Value + "\"";
            if (prefix.Length + item.Length + Suffix.Length > MaxPayloadBytes)
            {
                // An id too long to announce on its own.
                return [AllPayload()];
            }

            if (current.Length + 1 + item.Length + Suffix.Length > MaxPayloadBytes)
            {
                payloads.Add(current.Append(Suffix).ToString());
                current.Clear().Append(prefix);
                count = 0;
            }

            if (count++ > 0)
            {
                current.Append(',');
            }

            current.Append(item);
        }

        if (count > 0)
        {
            payloads.Add(current.Append(Suffix).ToString());
        }

        return payloads.Count > MaxPayloadsPerSend ? [AllPayload()] : [.. payloads];
    }

    private string AllPayload() => $$"""{"o":"{{_origin}}","a":true}""";

    private string WorkPayload() => $$"""{"o":"{{_origin}}","w":true}""";

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        Interlocked.Increment(ref _received);
        try
        {
            using var document = JsonDocument.Parse(e.Payload);
            var root = document.RootElement;
            if (root.TryGetProperty("o", out var origin) && origin.ValueEquals(_origin))
            {
                // This store's own append: its watchers were woken when it committed.
                return;
            }

            if (root.TryGetProperty("w", out var work) && work.ValueKind == JsonValueKind.True)
            {
                SignalWork();
                return;
            }

            if (root.TryGetProperty("s", out var streams) && streams.ValueKind == JsonValueKind.Array)
            {
                foreach (var stream in streams.EnumerateArray())
                {
                    Wake(stream.GetString()!);
                }

                return;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not one of ours: fall through and let every watch read and every dispatcher claim.
        }

        WakeAll();
        SignalWork();
    }

    private async Task ListenAsync(CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var connection = await _dataSource.OpenConnectionAsync(stopping).ConfigureAwait(false);
                await using var connectionScope = connection.ConfigureAwait(false);
                connection.Notification += OnNotification;
                try
                {
                    using (var listen = new NpgsqlCommand(_sql.Listen, connection))
                    {
                        await listen.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                    }

                    Log.ListenerStarted(_logger, _sql.Schema.NotificationChannel);
                    failures = 0;
                    Listening.TrySetResult();

                    // Anything appended or scheduled while nobody listened is read and claimed now.
                    WakeAll();
                    SignalWork();
                    while (true)
                    {
                        if (!await connection.WaitAsync(ListenerKeepAlive, stopping).ConfigureAwait(false))
                        {
                            using var ping = new NpgsqlCommand("SELECT 1", connection);
                            await ping.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                        }
                    }
                }
                finally
                {
                    connection.Notification -= OnNotification;
                    await UnlistenQuietlyAsync(connection).ConfigureAwait(false);
                }
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                // Disposed (a synchronous dispose may close the data source under the listener).
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var delay = TimeSpan.FromMilliseconds(Math.Min(MaxListenerRetryDelay.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(failures, 10))));
                Log.ListenerFailed(_logger, ex, _sql.Schema.NotificationChannel, delay);
                WakeAll();
                try
                {
                    await Task.Delay(delay, TimeProvider.System, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    // A connection goes back to the pool after this: it must not keep listening for its next user.
    private async Task UnlistenQuietlyAsync(NpgsqlConnection connection)
    {
        if (connection.FullState != System.Data.ConnectionState.Open)
        {
            return;
        }

        try
        {
            using var unlisten = new NpgsqlCommand(_sql.Unlisten, connection);
            await unlisten.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // A broken connection is not reused by the pool.
        }
    }

    /// <summary>One watch's wake-up signal: set by appends and notifications, kept until the watch waits for it.</summary>
    internal sealed class StreamWatcher : IDisposable
    {
        private readonly StreamNotifications _owner;
        private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

        public StreamWatcher(StreamNotifications owner, string? streamId)
        {
            _owner = owner;
            StreamId = streamId;
        }

        /// <summary>Gets the stream watched, or <see langword="null"/> for every stream of the schema.</summary>
        public string? StreamId { get; }

        public void Set() => _signal.Writer.TryWrite(true);

        /// <summary>Waits until the watcher is set or <paramref name="timeout"/> passes; throws when canceled.</summary>
        public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (_signal.Reader.TryRead(out _))
            {
                return;
            }

            using var timer = new CancellationTokenSource(timeout, _owner._pollClock);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
            try
            {
                await _signal.Reader.ReadAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The poll interval passed.
            }
        }

        public void Dispose() => _owner.Remove(this);
    }
}
