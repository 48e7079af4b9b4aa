using Npgsql;
using Workflow.Exceptions;
using Workflow.Postgres.Internal;

namespace Workflow.Postgres.Storage;

/// <summary>
/// Classifies Npgsql's exceptions (what is worth retrying) and translates them at the store boundary, so no provider
/// exception leaks through the store contract.
/// </summary>
internal static class PostgresErrors
{
    /// <summary>Whether <paramref name="exception"/> may pass when the operation is tried again: a broken or refused
    /// connection, a serialization failure, a deadlock, a server shutting down or out of connections.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        PostgresException postgres => IsTransient(postgres.SqlState),
        NpgsqlException npgsql => npgsql.IsTransient,
        _ => false,
    };

    /// <summary>Whether <paramref name="exception"/> says that the store's tables or function are missing (someone
    /// dropped the schema after the store created it).</summary>
    public static bool IsSchemaMissing(Exception exception) =>
        exception is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.UndefinedFunction or PostgresErrorCodes.InvalidSchemaName };

    /// <summary>Translates a provider exception into the store's, or returns <see langword="null"/> for exceptions that
    /// pass unchanged (cancellation, argument errors).</summary>
    /// <param name="exception">The exception the operation ended with.</param>
    /// <param name="operation">What the store was doing, for example "committing".</param>
    /// <param name="endpoint">The host and port of the database.</param>
    /// <param name="kind">The store the operation ran for, whose type and options the messages name.</param>
    /// <param name="cancellationToken">The operation's token.</param>
    public static Exception? Translate(Exception exception, string operation, string endpoint, StoreKind kind, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested && exception is OperationCanceledException or NpgsqlException)
        {
            return exception is OperationCanceledException ? null : new OperationCanceledException($"The store was canceled while {operation}.", exception, cancellationToken);
        }

        return exception switch
        {
            PostgresException postgres => Translate(postgres, operation, endpoint, kind),
            NpgsqlException npgsql => new WorkflowStoreUnavailableException(
                endpoint,
                $"The {kind.DisplayName} could not reach the database at {endpoint} while {operation}: {npgsql.Message.TrimEnd('.')}. Check that PostgreSQL runs and accepts connections there and that the connection string (host, port, database, credentials) is right. Nothing was lost: {kind.RetryAdvice}.",
                npgsql),
            _ => null,
        };
    }

    private static Exception Translate(PostgresException postgres, string operation, string endpoint, StoreKind kind)
    {
        var state = postgres.SqlState;
        var reported = $"{postgres.MessageText} (SQLSTATE {state})";
        if (IsTransient(state) || state.StartsWith("53", StringComparison.Ordinal) || state.StartsWith("58", StringComparison.Ordinal) || state.StartsWith("XX", StringComparison.Ordinal))
        {
            return new WorkflowStoreUnavailableException(
                endpoint,
                $"The PostgreSQL database at {endpoint} kept failing while {operation}: {reported}. The failure is transient. Nothing was lost: {kind.RetryAdvice}.",
                postgres);
        }

        if (state.StartsWith("28", StringComparison.Ordinal))
        {
            return new WorkflowStoreUnavailableException(
                endpoint,
                $"PostgreSQL at {endpoint} refused the store's credentials: {reported}. Check the user name and password of the connection string and the server's pg_hba.conf.",
                postgres);
        }

        if (state == PostgresErrorCodes.InvalidCatalogName)
        {
            return new WorkflowStoreUnavailableException(
                endpoint,
                $"PostgreSQL at {endpoint} has no such database: {reported}. Create the database, or fix the Database of the connection string.",
                postgres);
        }

        if (state.StartsWith("22", StringComparison.Ordinal))
        {
            return new ArgumentException(
                $"PostgreSQL rejected a value while {operation}: {reported}. Event data and metadata must be JSON documents that jsonb accepts (no \\u0000 escapes), and text (instance ids, event types, names) must not contain NUL characters.",
                postgres);
        }

        if (state == PostgresErrorCodes.InsufficientPrivilege)
        {
            return new InvalidOperationException(
                $"The database user may not do what the store needs while {operation}: {reported}. Grant it USAGE on the store's schema and SELECT, INSERT, UPDATE and DELETE on its tables (and CREATE on the database to let the store create its schema), or run {kind.TypeName}.MigrateAsync as the schema's owner.",
                postgres);
        }

        if (IsSchemaMissing(postgres))
        {
            return new InvalidOperationException(
                $"The store's tables or function are missing while {operation}: {reported}. Was the schema dropped or migrated by an incompatible version? Call {kind.TypeName}.MigrateAsync (or turn {kind.OptionsTypeName}.AutoMigrate on) to create them.",
                postgres);
        }

        return new InvalidOperationException($"PostgreSQL failed while {operation}: {reported}.", postgres);
    }

    private static bool IsTransient(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal) // connection exceptions
        || sqlState is PostgresErrorCodes.SerializationFailure
            or PostgresErrorCodes.DeadlockDetected
            or PostgresErrorCodes.AdminShutdown
            or PostgresErrorCodes.CrashShutdown
            or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections
            or PostgresErrorCodes.IdleSessionTimeout;
}
