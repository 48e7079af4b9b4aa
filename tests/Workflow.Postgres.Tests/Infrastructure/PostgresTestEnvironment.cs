namespace Workflow.Postgres.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL settings that <c>./test.sh</c> exports, and the rule for a missing one: the test
/// is skipped at run time with the reason, except when <c>CI=true</c>, where it fails instead.
/// </summary>
public static class PostgresTestEnvironment
{
    /// <summary>Npgsql connection string of the shared test database.</summary>
    public const string ConnectionStringVariable = "WORKFLOW_TEST_POSTGRES";

    /// <summary>PostgreSQL server bin folder (initdb, pg_ctl), for tests that run a private server.</summary>
    public const string ServerBinVariable = "WORKFLOW_TEST_POSTGRES_BIN";

    /// <summary>Optional scratch folder for private servers; ./test.sh stops anything left in it.</summary>
    public const string ScratchDirectoryVariable = "WORKFLOW_TEST_POSTGRES_TMP";

    public static string? ConnectionString => Read(ConnectionStringVariable);

    public static string? ServerBinDirectory => Read(ServerBinVariable);

    public static string? ScratchDirectory => Read(ScratchDirectoryVariable);

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Returns the shared database's connection string, or skips (fails when CI=true) the current test.</summary>
    public static string RequireConnectionString() =>
        Require(ConnectionStringVariable, "The PostgreSQL tests need a database");

    /// <summary>Returns the server bin folder, or skips (fails when CI=true) the current test.</summary>
    public static string RequireServerBinDirectory() =>
        Require(ServerBinVariable, "The PostgreSQL tests that stop or restart a server need the server binaries (initdb, pg_ctl)");

    private static string Require(string variable, string need)
    {
        var value = Read(variable);
        if (value is null)
        {
            var reason = $"{need}: {variable} is not set. ./test.sh provisions a throwaway PostgreSQL and sets it.";
            if (IsCi)
            {
                Assert.Fail($"{reason} CI=true, so this fails instead of skipping.");
            }

            Assert.Skip(reason);
        }

        return value;
    }

    private static string? Read(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? value : null;
}
