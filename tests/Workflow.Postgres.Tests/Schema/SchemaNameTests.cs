using Npgsql;
using Workflow.Postgres.Storage;
using Workflow.Postgres.Tests.Infrastructure;

namespace Workflow.Postgres.Tests.Schema;

public sealed class SchemaNameTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    public static TheoryData<string> HostileNames =>
    [
        "a; DROP TABLE x",
        "x\"; DROP SCHEMA public CASCADE; --",
        "it's",
        "with space",
        "1starts_with_digit",
        "dash-ed",
        "dotted.name",
        "ünïcødé",
        "nul\0byte",
        "new\nline",
        new string('a', 100),
        new string('b', 64),
        "pg_catalog",
        "PG_toast",
        "information_schema",
        "",
    ];

    [Theory]
    [MemberData(nameof(HostileNames))]
    public async Task Constructor_HostileSchemaName_ThrowsArgumentExceptionBeforeAnySql(string name)
    {
        var printable = name.Replace("\0", string.Empty, StringComparison.Ordinal);
        const string CountByName = "SELECT count(*) FROM pg_namespace WHERE nspname = ANY($1)";
        object candidates = Truncations(printable);
        var existedBefore = await fixture.ScalarAsync<long>(CountByName, candidates);

        // A data source on a port nothing listens on: had the store tried any SQL, it could not have reached a server.
        await using var unreachable = NpgsqlDataSource.Create("Host=127.0.0.1;Port=1;Username=nobody;Timeout=1");
        var fromDataSource = Assert.Throws<ArgumentException>(() => new PostgresWorkflowStore(unreachable, new PostgresWorkflowStoreOptions { Schema = name }));
        var fromConnectionString = Assert.Throws<ArgumentException>(() => new PostgresWorkflowStore(fixture.Database.ConnectionString, new PostgresWorkflowStoreOptions { Schema = name }));

        Assert.Equal("options", fromDataSource.ParamName);
        Assert.Contains("schema name", fromDataSource.Message, StringComparison.Ordinal);
        Assert.Contains("schema name", fromConnectionString.Message, StringComparison.Ordinal);
        Assert.Equal(existedBefore, await fixture.ScalarAsync<long>(CountByName, candidates));
    }

    // The names PostgreSQL would have created had the raw text reached it: as given, and cut to its 63-byte identifier limit.
    // Other tests create schemas in parallel, so the check is by name rather than a count of all schemas.
    private static string[] Truncations(string name) =>
        name.Length > 63 ? [name, name[..63]] : [name];

    [Fact]
    public void Constructor_LongHostileName_MessageSaysWhatIsAllowedWithoutEchoingItAll()
    {
        var error = Assert.Throws<ArgumentException>(() => new PostgresWorkflowStore("Host=127.0.0.1;Port=1", new PostgresWorkflowStoreOptions { Schema = new string('x', 500) }));

        Assert.Contains("500 characters", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 to 63 ASCII letters, digits and underscores", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 600, error.Message);
    }

    [Theory]
    [InlineData("workflow")]
    [InlineData("Mixed_Case_1")]
    [InlineData("_leading_underscore")]
    [InlineData("public")]
    [InlineData("a23456789_123456789_123456789_123456789_123456789_123456789_123")]
    public async Task Constructor_PlainIdentifier_IsAcceptedAndQuotedAsGiven(string name)
    {
        await using var store = new PostgresWorkflowStore("Host=127.0.0.1;Port=1", new PostgresWorkflowStoreOptions { Schema = name });

        Assert.Equal(name, store.Schema);
    }

    [Fact]
    public async Task Constructor_DefaultOptions_UseTheWorkflowSchema()
    {
        await using var store = new PostgresWorkflowStore("Host=127.0.0.1;Port=1");

        Assert.Equal("workflow", store.Schema);
        Assert.Equal(PostgresWorkflowStoreOptions.DefaultSchema, store.Schema);
    }

    [Theory]
    [InlineData(-1, 1000, 3, "NotificationDebounce")]
    [InlineData(10, 0, 3, "WatchPollInterval")]
    [InlineData(10, 1000, -1, "MaxRetryAttempts")]
    public void Constructor_InvalidOptions_ThrowsNamingTheOption(int debounceMs, int pollMs, int retries, string option)
    {
        var options = new PostgresWorkflowStoreOptions
        {
            NotificationDebounce = TimeSpan.FromMilliseconds(debounceMs),
            WatchPollInterval = TimeSpan.FromMilliseconds(pollMs),
            MaxRetryAttempts = retries,
        };

        var error = Assert.Throws<ArgumentException>(() => new PostgresWorkflowStore("Host=127.0.0.1;Port=1", options));

        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }
}
