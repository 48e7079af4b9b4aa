using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Workflow.Client;
using Workflow.Postgres.Worker;
using Workflow.Steps;

namespace Workflow.Postgres.Tests.Infrastructure;

/// <summary>
/// A node that runs no instance (<c>RunWorker</c> off), on the schema of the worker processes: it starts instances of
/// <see cref="WorkerWorkflows"/>, raises events to them, and reads the database, as a web front end would.
/// </summary>
public sealed class FrontEnd : IAsyncDisposable
{
    private readonly IHost _host;

    private FrontEnd(IHost host, NpgsqlDataSource dataSource)
    {
        _host = host;
        DataSource = dataSource;
    }

    public IWorkflowClient Client => _host.Services.GetRequiredService<IWorkflowClient>();

    /// <summary>A data source of the same database, to look at the tables.</summary>
    public NpgsqlDataSource DataSource { get; }

    public static async Task<FrontEnd> StartAsync(string connectionString, string schema, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services
            .AddWorkflows(o => o.RunWorker = false)
            .AddWorkflow(WorkerWorkflows.CreateWork(NoStepHere))
            .AddWorkflow(WorkerWorkflows.CreateTimer(NoStepHere))
            .AddWorkflow(WorkerWorkflows.CreateSignal(NoStepHere))
            .UsePostgres(new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "front-end" }.ConnectionString, o => o.Schema = schema);
        var host = builder.Build();
        var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "front-end-checks" }.ConnectionString);
        var frontEnd = new FrontEnd(host, dataSource);
        try
        {
            await host.StartAsync(cancellationToken);
            await host.Services.GetRequiredService<Workflow.Postgres.Storage.PostgresWorkflowStore>().MigrateAsync(cancellationToken);
            await frontEnd.ExecuteAsync(WorkerWorkflows.CreateSideEffectsSql(schema));
        }
        catch
        {
            await frontEnd.DisposeAsync();
            throw;
        }

        return frontEnd;
    }

    /// <summary>Starts instances of <paramref name="workflow"/> with these ids, sixteen at a time.</summary>
    public async Task StartManyAsync(string workflow, IEnumerable<string> instanceIds, CancellationToken cancellationToken)
    {
        var input = System.Text.Json.JsonSerializer.SerializeToElement(1);
        await Parallel.ForEachAsync(
            instanceIds,
            new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken },
            async (id, ct) => await Client.StartAsync(workflow, null, input, new StartWorkflowOptions { InstanceId = id }, ct));
    }

    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    /// <summary>Runs a query and returns its rows, each as an array of column values (<see langword="null"/> for NULL).</summary>
    public async Task<List<object?[]>> QueryAsync(string sql, params object[] parameters)
    {
        await using var command = DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = new List<object?[]>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = await reader.IsDBNullAsync(i, TestContext.Current.CancellationToken) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(CancellationToken.None);
        }
        finally
        {
            _host.Dispose();
            await DataSource.DisposeAsync();
        }
    }

    private static Task<string> NoStepHere(StepContext context, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("The front end runs no step.");
}
