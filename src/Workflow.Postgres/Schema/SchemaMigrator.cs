using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Workflow.Postgres.Internal;

namespace Workflow.Postgres.Schema;

/// <summary>
/// Creates and upgrades a store's schema. Any number of nodes may do so at once: the migrations of one schema run in
/// one transaction under an advisory lock derived from the schema name, and each is recorded in <c>schema_version</c>.
/// </summary>
internal sealed class SchemaMigrator(NpgsqlDataSource dataSource, SchemaName schema, StoreKind kind, ILogger logger)
{
    /// <summary>Makes sure the schema is at <see cref="Migrations.Latest"/>: one cheap read when it already is.</summary>
    /// <param name="migrate">Whether to create or upgrade it when it is not; otherwise that is an error.</param>
    /// <param name="cancellationToken">A token to cancel the operation.</param>
    /// <returns>The schema version now in the database.</returns>
    public async Task<int> EnsureAsync(bool migrate, CancellationToken cancellationToken)
    {
        var current = await ReadVersionAsync(cancellationToken).ConfigureAwait(false);
        if (current >= Migrations.Latest)
        {
            if (current > Migrations.Latest)
            {
                Log.SchemaNewerThanPackage(logger, schema.Name, current, Migrations.Latest);
            }

            return current;
        }

        if (!migrate)
        {
            throw new InvalidOperationException(current == 0
                ? $"The PostgreSQL schema '{schema.Name}' has no Workflow tables, and creating them automatically is turned off ({kind.OptionsTypeName}.AutoMigrate). Call {kind.TypeName}.MigrateAsync from a deployment step, or turn AutoMigrate on."
                : $"The PostgreSQL schema '{schema.Name}' is at version {current}, but this version of Workflow.Postgres needs version {Migrations.Latest}, and upgrading it automatically is turned off ({kind.OptionsTypeName}.AutoMigrate). Call {kind.TypeName}.MigrateAsync from a deployment step, or turn AutoMigrate on.");
        }

        return await MigrateAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> ReadVersionAsync(CancellationToken cancellationToken)
    {
        using var command = dataSource.CreateCommand($"SELECT coalesce(max(version), 0) FROM {schema.Quoted}.schema_version");
        try
        {
            return (int)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        catch (PostgresException ex) when (ex.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return 0;
        }
    }

    private async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var connectionScope = connection.ConfigureAwait(false);
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var transactionScope = transaction.ConfigureAwait(false);

        // Released at commit or rollback; a node that waited here finds the work done and applies nothing.
        using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = schema.MigrationLockKey });
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege on the database: skip it when the schema exists.
        using (var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1)", connection, transaction))
        {
            exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = schema.Name, NpgsqlDbType = NpgsqlDbType.Text });
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!)
            {
                await ExecuteAsync(connection, transaction, $"CREATE SCHEMA {schema.Quoted}", cancellationToken).ConfigureAwait(false);
            }
        }

        await ExecuteAsync(connection, transaction, Migrations.Bootstrap(schema.Quoted), cancellationToken).ConfigureAwait(false);
        int from;
        using (var version = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {schema.Quoted}.schema_version", connection, transaction))
        {
            from = (int)(await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var to = from;
        foreach (var migration in Migrations.All)
        {
            if (migration.Version <= from)
            {
                continue;
            }

            await ExecuteAsync(connection, transaction, migration.Script(schema.Quoted), cancellationToken).ConfigureAwait(false);
            using var record = new NpgsqlCommand($"INSERT INTO {schema.Quoted}.schema_version (version, description) VALUES ($1, $2)", connection, transaction);
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = migration.Version });
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = migration.Description });
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            to = migration.Version;
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        if (to != from)
        {
            Log.SchemaMigrated(logger, schema.Name, from, to);
        }

        return to;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
