using Npgsql;

namespace Workflow.LoadTest;

/// <summary>The server's cumulative counters at one moment: transactions, WAL flushes and rows written to the run's schema.</summary>
internal readonly record struct PgStats(long Commits, long WalSyncs, long WalBytes, long RowsWritten)
{
    public static async Task<PgStats> ReadAsync(NpgsqlDataSource dataSource, string schema)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),
                   (SELECT wal_sync FROM pg_stat_wal),
                   (SELECT wal_bytes::bigint FROM pg_stat_wal),
                   (SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0)::bigint FROM pg_stat_user_tables WHERE schemaname = $1)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = schema });
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        await reader.ReadAsync().ConfigureAwait(false);
        return new PgStats(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
    }

    public static PgStats operator -(PgStats after, PgStats before) => new(
        after.Commits - before.Commits, after.WalSyncs - before.WalSyncs, after.WalBytes - before.WalBytes, after.RowsWritten - before.RowsWritten);
}
